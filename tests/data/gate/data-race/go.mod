module example.com/gate/datarace

go 1.22
