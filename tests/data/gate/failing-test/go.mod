module example.com/gate/failingtest

go 1.22
