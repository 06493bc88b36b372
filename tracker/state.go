package tracker

import (
	"syscall"

	"github.com/greenai/greenai/internal/meter"
)

// State is a finalised run's status; for one not finalised, "running"
// while its greenai is alive on this host, else "incomplete" (greenai
// died before finalising it: SIGKILL, power loss).
func State(r *Record) string {
	if r.Complete {
		return r.Status
	}
	if r.Host == meter.Hostname() && r.PID > 0 {
		if err := syscall.Kill(r.PID, 0); err == nil || err == syscall.EPERM {
			return "running"
		}
	}
	return "incomplete"
}
