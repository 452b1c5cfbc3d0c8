package robust

var s = "unterminated
var r = `raw never ends
func Lost() {}
