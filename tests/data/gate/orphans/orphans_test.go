package orphans

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestStartsAHelperAndSleeps re-executes the test binary as a helper process, records both
// processes (pid and process group) in $GATE_PID_DIR, and sleeps far past the step timeout.
func TestStartsAHelperAndSleeps(t *testing.T) {
	dir := os.Getenv("GATE_PID_DIR")
	if dir == "" {
		t.Skip("run by tests/gate.rs, which sets GATE_PID_DIR")
	}
	role := "test"
	if os.Getenv("GATE_HELPER") == "1" {
		role = "helper"
	} else {
		helper := exec.Command(os.Args[0], "-test.run=^TestStartsAHelperAndSleeps$")
		helper.Env = append(os.Environ(), "GATE_HELPER=1")
		if err := helper.Start(); err != nil {
			t.Fatal(err)
		}
	}
	record := fmt.Sprintf("%d %d\n", os.Getpid(), syscall.Getpgrp())
	partial := filepath.Join(dir, role+".partial")
	if err := os.WriteFile(partial, []byte(record), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(partial, filepath.Join(dir, role)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Minute)
}

func TestTwice(t *testing.T) {
	if Twice(2) != 4 {
		t.Fatal("Twice(2) != 4")
	}
}
