package main

func broken() {
	if x := 1; x > {
	}
}
