//go:build windows

package c

func platform() string { return "w" }
