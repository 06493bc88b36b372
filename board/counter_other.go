//go:build !linux

package board

import "os/exec"

func dieWithParent(cmd *exec.Cmd) {}

func lowerPriority() {}
