package c_test

import (
	"testing"

	"example.com/facts/c"
)

func helperForTest(t *testing.T) {
	c.C()
}
