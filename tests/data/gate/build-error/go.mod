module example.com/gate/builderror

go 1.22
