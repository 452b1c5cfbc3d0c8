package c

import "os/exec"

func runIt() error {
	cmd := exec.Command("true")
	return cmd.Run()
}
