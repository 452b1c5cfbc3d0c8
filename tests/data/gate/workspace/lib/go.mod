module example.com/gate/workspace/lib

go 1.22
