package robust

func Open() {
	if x {
		y()

// missing braces
var AfterBroken = 1
