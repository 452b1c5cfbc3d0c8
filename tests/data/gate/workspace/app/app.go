// Package app uses lib through the workspace; it has no tests, so its coverage is 0%.
package app

import "example.com/gate/workspace/lib"

// Four returns 4.
func Four() int {
	return lib.Twice(2)
}
