package meter

import (
	"os"
	"strconv"
	"testing"
	"testing/fstest"
)

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		in   string
		want procStat
		err  bool
	}{
		{"42 (python3) S 1 42 42 0 -1 4194560 100 0 0 0 250 30 5 7 20 0 1 0 100 1000000 512 18446744073709551615",
			procStat{ppid: 1, utime: 250, stime: 30, cutime: 5, cstime: 7, rss: 512}, false},
		{"43 (a (weird) name) R 42 42 42 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0 100 1000 9 0",
			procStat{ppid: 42, utime: 1, stime: 2, cutime: 3, cstime: 4, rss: 9}, false},
		{"44 (short) S 1 2 3", procStat{}, true},
		{"no paren", procStat{}, true},
		{"45 (x) S 1 42 42 0 -1 0 0 0 0 0 x 2 3 4 20 0 1 0 100 1000 9 0", procStat{}, true},
	}
	for _, tc := range tests {
		got, err := parseProcStat(tc.in)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("parseProcStat(%q) = %+v, %v", tc.in, got, err)
		}
	}
}

func statLine(pid, ppid int, utime, stime, rss int) string {
	return strconv.Itoa(pid) + " (p) S " + strconv.Itoa(ppid) + " 1 1 0 -1 0 0 0 0 0 " +
		strconv.Itoa(utime) + " " + strconv.Itoa(stime) + " 0 0 20 0 1 0 1 1 " + strconv.Itoa(rss) + " 0\n"
}

func TestProcTree(t *testing.T) {
	m := fstest.MapFS{
		"proc/100/stat": {Data: []byte(statLine(100, 1, 100, 50, 10))},
		"proc/101/stat": {Data: []byte(statLine(101, 100, 200, 0, 20))},
		"proc/102/stat": {Data: []byte(statLine(102, 101, 300, 100, 30))},
		"proc/200/stat": {Data: []byte(statLine(200, 1, 9999, 9999, 9999))},
		"proc/self":     {Data: []byte("x")},
	}
	p := NewProcTree(m, 100)
	s, err := p.Sample()
	if err != nil {
		t.Fatal(err)
	}
	page := uint64(os.Getpagesize())
	if s.Procs != 3 || s.UserSeconds != 6 || s.SystemSeconds != 1.5 || s.RSSBytes != 60*page {
		t.Errorf("full scan: %+v", s)
	}
	// A quick sample reads only known members; a reused pid whose parent
	// is outside the tree is dropped.
	m["proc/102/stat"] = &fstest.MapFile{Data: []byte(statLine(102, 1, 1, 1, 1))}
	s, err = p.Sample()
	if err != nil {
		t.Fatal(err)
	}
	if s.Procs != 2 || s.UserSeconds != 3 {
		t.Errorf("quick sample: %+v", s)
	}
	delete(m, "proc/100/stat")
	if _, err := p.Sample(); err == nil {
		t.Error("want an error once the root is gone")
	}
}

func TestProcTreeSelf(t *testing.T) {
	s, err := NewProcTree(HostFS, os.Getpid()).Sample()
	if err != nil {
		t.Fatal(err)
	}
	if s.Procs < 1 || s.RSSBytes == 0 {
		t.Errorf("%+v", s)
	}
	if _, err := HostBusySeconds(HostFS); err != nil {
		t.Error(err)
	}
}

func TestHostBusySeconds(t *testing.T) {
	m := fstest.MapFS{"proc/stat": {Data: []byte("cpu  100 20 30 5000 40 6 4 7 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n")}}
	got, err := HostBusySeconds(m)
	if err != nil || got != 1.6 { // user+nice+system+irq+softirq = 160 ticks
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := HostBusySeconds(fstest.MapFS{"proc/stat": {Data: []byte("intr 1")}}); err == nil {
		t.Error("want an error without a cpu line")
	}
}
