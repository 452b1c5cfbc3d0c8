module example.com/gate/clean

go 1.22
