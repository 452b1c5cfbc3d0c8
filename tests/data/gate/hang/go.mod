module example.com/gate/hang

go 1.22
