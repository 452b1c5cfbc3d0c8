module example.com/gate/benchslow

go 1.22
