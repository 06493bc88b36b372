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

// lowerPriority makes the counting child yield the CPU to the server's
// page serving: counting is batch work (nice 10).
func lowerPriority() { _ = syscall.Setpriority(syscall.PRIO_PROCESS, 0, 10) }
