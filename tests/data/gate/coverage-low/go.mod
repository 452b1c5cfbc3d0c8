module example.com/gate/coveragelow

go 1.22
