//go:build unix

package c

func platform() int { return 1 }
