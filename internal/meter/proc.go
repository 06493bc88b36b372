package meter

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
)

// userHZ is the clock-tick unit of /proc times (USER_HZ, 100 on every Linux
// architecture).
const userHZ = 100

// ProcSample is one reading of a process tree.
type ProcSample struct {
	// UserSeconds and SystemSeconds are the CPU times of the live processes
	// of the tree plus those of their children already reaped.
	UserSeconds, SystemSeconds float64
	// RSSBytes is the summed resident set size of the live processes.
	RSSBytes uint64
	// Procs is the number of live processes in the tree.
	Procs int
}

// CPUSeconds is user plus system time.
func (s ProcSample) CPUSeconds() float64 { return s.UserSeconds + s.SystemSeconds }

// ProcMeter samples the CPU time and memory of a process tree.
type ProcMeter interface {
	Sample() (ProcSample, error)
}

// ProcTree samples the tree rooted at one process through /proc. It scans
// all of /proc for new descendants every FullScanEvery samples and reads
// only the known members in between, which keeps a sample cheap on hosts
// with many processes.
type ProcTree struct {
	fsys          fs.FS
	root          int
	pageSize      uint64
	FullScanEvery int
	n             int
	known         map[int]bool
}

// NewProcTree samples the tree of root under fsys (rooted at "/").
func NewProcTree(fsys fs.FS, root int) *ProcTree {
	return &ProcTree{fsys: fsys, root: root, pageSize: uint64(os.Getpagesize()), FullScanEvery: 5}
}

type procStat struct {
	ppid                         int
	utime, stime, cutime, cstime uint64
	rss                          uint64 // pages
}

func readProcStat(fsys fs.FS, pid int) (procStat, error) {
	b, err := fs.ReadFile(fsys, path.Join("proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, err
	}
	return parseProcStat(string(b))
}

// parseProcStat parses /proc/PID/stat; the command name may hold spaces
// and parentheses, so fields are counted from the last ')'.
func parseProcStat(s string) (procStat, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("proc stat: no command name")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 22 {
		return procStat{}, fmt.Errorf("proc stat: %d fields, want at least 22", len(f))
	}
	var st procStat
	var err error
	num := func(k int) uint64 {
		v, e := strconv.ParseUint(f[k], 10, 64)
		if e != nil && err == nil {
			err = fmt.Errorf("proc stat field %d: %w", k+3, e)
		}
		return v
	}
	st.ppid = int(num(1))
	st.utime, st.stime, st.cutime, st.cstime = num(11), num(12), num(13), num(14)
	st.rss = num(21)
	return st, err
}

// Sample implements ProcMeter. It fails only when the root process cannot
// be read (it has exited).
func (p *ProcTree) Sample() (ProcSample, error) {
	full := p.known == nil || p.FullScanEvery <= 1 || p.n%p.FullScanEvery == 0
	p.n++
	stats := map[int]procStat{}
	if full {
		all := map[int]procStat{}
		ents, err := fs.ReadDir(p.fsys, "proc")
		if err != nil {
			return ProcSample{}, fmt.Errorf("proc: %w", err)
		}
		children := map[int][]int{}
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			st, err := readProcStat(p.fsys, pid)
			if err != nil {
				continue
			}
			all[pid] = st
			children[st.ppid] = append(children[st.ppid], pid)
		}
		if _, ok := all[p.root]; !ok {
			return ProcSample{}, fmt.Errorf("proc: process %d not found", p.root)
		}
		queue := []int{p.root}
		for len(queue) > 0 {
			pid := queue[0]
			queue = queue[1:]
			if _, dup := stats[pid]; dup {
				continue
			}
			stats[pid] = all[pid]
			queue = append(queue, children[pid]...)
		}
	} else {
		for pid := range p.known {
			st, err := readProcStat(p.fsys, pid)
			if err != nil {
				continue
			}
			if pid != p.root && !p.known[st.ppid] {
				continue // the pid was reused by an unrelated process
			}
			stats[pid] = st
		}
		if _, ok := stats[p.root]; !ok {
			return ProcSample{}, fmt.Errorf("proc: process %d not found", p.root)
		}
	}
	p.known = map[int]bool{}
	var s ProcSample
	for pid, st := range stats {
		p.known[pid] = true
		s.UserSeconds += float64(st.utime+st.cutime) / userHZ
		s.SystemSeconds += float64(st.stime+st.cstime) / userHZ
		s.RSSBytes += st.rss * p.pageSize
		s.Procs++
	}
	return s, nil
}

// PIDs lists the processes of the tree at the last sample.
func (p *ProcTree) PIDs() []int {
	out := make([]int, 0, len(p.known))
	for pid := range p.known {
		out = append(out, pid)
	}
	return out
}

// HostBusySeconds returns the CPU time all CPUs of the host spent busy
// (user, nice, system, irq, softirq; not idle, iowait or steal) since boot,
// from proc/stat.
func HostBusySeconds(fsys fs.FS) (float64, error) {
	b, err := fs.ReadFile(fsys, "proc/stat")
	if err != nil {
		return 0, fmt.Errorf("host cpu time: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 || f[0] != "cpu" {
			continue
		}
		var busy uint64
		for _, k := range []int{1, 2, 3, 6, 7} { // user nice system irq softirq
			v, err := strconv.ParseUint(f[k], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("host cpu time: parse proc/stat: %w", err)
			}
			busy += v
		}
		return float64(busy) / userHZ, nil
	}
	return 0, fmt.Errorf("host cpu time: no cpu line in proc/stat")
}
