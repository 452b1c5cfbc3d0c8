module example.com/gate/orphans

go 1.22
