package app

import "testing"

func TestFour(t *testing.T) {
	if Four() != 4 {
		t.Fatal("Four() != 4")
	}
}
