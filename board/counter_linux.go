package board

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill a counting child when the server
// dies, so a killed server leaves no count running.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
