module example.com/dogfood

go 1.22
