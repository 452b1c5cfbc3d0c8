package b

import "example.com/facts/c"

// B blocks because c.C does.
func B() {
	helper()
}

func helper() {
	c.C()
}
