module example.com/gate/vetfinding

go 1.22
