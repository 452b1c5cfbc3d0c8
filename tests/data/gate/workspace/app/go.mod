module example.com/gate/workspace/app

go 1.22

require example.com/gate/workspace/lib v0.0.0
