package meter

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// loadTree writes testdata/powercap/NAME.tree into a temporary directory
// and returns it.
func loadTree(t *testing.T, name string) string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "powercap", name+".tree"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	root := t.TempDir()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p, content, ok := strings.Cut(line, " = ")
		if !ok {
			t.Fatalf("%s: bad line %q", name, line)
		}
		content = strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\\`, `\`).Replace(content)
		writeFile(t, root, p, content)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return root
}

func writeFile(t *testing.T, root, p, content string) {
	t.Helper()
	full := filepath.Join(root, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func setEnergy(t *testing.T, root string, values map[string]uint64) {
	t.Helper()
	for zone, v := range values {
		writeFile(t, root, PowercapDir+"/"+zone+"/energy_uj", strconv.FormatUint(v, 10))
	}
}

func TestRAPLLayouts(t *testing.T) {
	tests := []struct {
		tree      string
		edit      map[string]string   // files changed before opening
		steps     []map[string]uint64 // energy_uj after each sample
		want      map[string]uint64   // µJ per counted device
		wantNotes []string            // substrings of the notes
	}{
		{
			tree: "two-socket-server",
			steps: []map[string]uint64{
				{"intel-rapl:0": 84213987421 + 1500000123, "intel-rapl:0:0": 12839201223 + 200000001,
					"intel-rapl:1": 91823112847 + 1700000000, "intel-rapl:1:0": 13900012311 + 210000000},
				{"intel-rapl:0": 84213987421 + 2500000123, "intel-rapl:0:0": 12839201223 + 300000001,
					"intel-rapl:1": 91823112847 + 2900000007, "intel-rapl:1:0": 13900012311 + 330000000},
			},
			want: map[string]uint64{"package-0": 2500000123, "package-0/dram": 300000001,
				"package-1": 2900000007, "package-1/dram": 330000000},
		},
		{
			tree: "laptop-psys",
			steps: []map[string]uint64{{
				"intel-rapl:0": 31920442118 + 5000000, "intel-rapl:0:0": 15529812201 + 3000000,
				"intel-rapl:0:1": 402118733 + 100000, "intel-rapl:0:2": 2811092342 + 400000,
				"intel-rapl:1": 48812030021 + 9000000,
			}},
			want:      map[string]uint64{"package-0": 5000000, "package-0/dram": 400000},
			wantNotes: []string{"intel-rapl:1 (psys) not counted"},
		},
		{
			tree: "mmio-duplicate",
			steps: []map[string]uint64{{
				"intel-rapl:0": 18234000111 + 7000000, "intel-rapl-mmio:0": 18234000111 + 7000000,
				"intel-rapl:0:0": 9120003311 + 4000000, "intel-rapl:1": 30199920001 + 12000000,
			}},
			want:      map[string]uint64{"package-0": 7000000},
			wantNotes: []string{"intel-rapl-mmio:0 (package-0) not counted: MMIO copy of intel-rapl:0", "psys"},
		},
		{
			tree: "amd-multi-die",
			steps: []map[string]uint64{
				{"intel-rapl:0": 41020334871 + 11000000, "intel-rapl:1": 41020334871 + 11000000},
				{"intel-rapl:0": 41020334871 + 25000017, "intel-rapl:1": 41020334871 + 25000017},
			},
			want:      map[string]uint64{"package-0-die-0": 25000017},
			wantNotes: []string{"intel-rapl:1 (package-0-die-1) not counted: mirrored die"},
		},
		{
			// A multi-die Intel part (Cascade Lake-AP) has one counter per
			// die: both count.
			tree: "amd-multi-die",
			edit: map[string]string{
				"proc/cpuinfo": "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 9282\n",
				"sys/class/powercap/intel-rapl:1/energy_uj": "51020334871",
			},
			steps: []map[string]uint64{
				{"intel-rapl:0": 41020334871 + 1000, "intel-rapl:1": 51020334871 + 2000},
			},
			want: map[string]uint64{"package-0-die-0": 1000, "package-0-die-1": 2000},
		},
		{
			tree: "wrap",
			steps: []map[string]uint64{
				{"intel-rapl:0": 262143300000, "intel-rapl:0:2": 65712999000},
				{"intel-rapl:0": 500000, "intel-rapl:0:2": 1000}, // both wrapped
				{"intel-rapl:0": 1500000, "intel-rapl:0:2": 2000},
			},
			want: map[string]uint64{
				"package-0":      300000 + (262143328850 - 262143300000 + 500000) + 1000000,
				"package-0/dram": 999000 + (65712999613 - 65712999000 + 1000) + 1000,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.tree, func(t *testing.T) {
			root := loadTree(t, tc.tree)
			for p, c := range tc.edit {
				writeFile(t, root, p, c)
			}
			r, err := OpenRAPL(os.DirFS(root))
			if err != nil {
				t.Fatal(err)
			}
			now := time.Unix(1000, 0)
			if err := r.Sample(now); err != nil {
				t.Fatal(err)
			}
			for _, step := range tc.steps {
				setEnergy(t, root, step)
				now = now.Add(time.Second)
				if err := r.Sample(now); err != nil {
					t.Fatal(err)
				}
			}
			got := r.MicroJoules()
			if len(got) != len(tc.want) {
				t.Errorf("counted devices %v, want %v", got, tc.want)
			}
			for dev, uj := range tc.want {
				if got[dev] != uj {
					t.Errorf("%s: %d µJ, want %d µJ", dev, got[dev], uj)
				}
			}
			for _, e := range r.Energy() {
				if e.Joules != float64(tc.want[e.Device])/1e6 {
					t.Errorf("%s: %v J, want %v J", e.Device, e.Joules, float64(tc.want[e.Device])/1e6)
				}
				if e.Provenance != MeasuredCounter || e.Scope != ScopeHost {
					t.Errorf("%s: provenance %s scope %s", e.Device, e.Provenance, e.Scope)
				}
				if (e.Component == "dram") != strings.HasSuffix(e.Device, "/dram") {
					t.Errorf("%s: component %s", e.Device, e.Component)
				}
			}
			notes := strings.Join(r.Notes(), "\n")
			for _, n := range tc.wantNotes {
				if !strings.Contains(notes, n) {
					t.Errorf("notes lack %q:\n%s", n, notes)
				}
			}
		})
	}
}

func TestRAPLMaxInterval(t *testing.T) {
	r, err := OpenRAPL(os.DirFS(loadTree(t, "wrap")))
	if err != nil {
		t.Fatal(err)
	}
	// dram: 65712999613 µJ at the assumed 1 kW wraps in 65.7 s; half of it.
	rng := 65712999613.0
	want := time.Duration(rng / 1e9 / 2 * float64(time.Second))
	if got := r.MaxInterval(); got != want {
		t.Errorf("MaxInterval %v, want %v", got, want)
	}
}

// denyFS fails reads of energy_uj with a permission error, as Linux 5.10
// and later do for users other than root.
type denyFS struct{ fs.FS }

func (d denyFS) Open(name string) (fs.File, error) {
	if strings.HasSuffix(name, "/energy_uj") {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return d.FS.Open(name)
}

func TestRAPLErrors(t *testing.T) {
	t.Run("unreadable", func(t *testing.T) {
		_, err := OpenRAPL(denyFS{os.DirFS(loadTree(t, "two-socket-server"))})
		var ue *RAPLUnreadableError
		if !errors.As(err, &ue) || !errors.Is(err, fs.ErrPermission) {
			t.Fatalf("got %v, want RAPLUnreadableError", err)
		}
		for _, s := range []string{"root", "5.10", "chmod", "/sys/class/powercap/intel-rapl:0"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error lacks %q: %v", s, err)
			}
		}
	})
	t.Run("none", func(t *testing.T) {
		if _, err := OpenRAPL(os.DirFS(t.TempDir())); !errors.Is(err, ErrNoRAPL) {
			t.Fatalf("got %v, want ErrNoRAPL", err)
		}
	})
	t.Run("garbage", func(t *testing.T) {
		root := loadTree(t, "laptop-psys")
		writeFile(t, root, PowercapDir+"/intel-rapl:0/energy_uj", "not a number")
		r, err := OpenRAPL(os.DirFS(root))
		if err != nil {
			t.Fatal(err) // the dram zone is still readable
		}
		if got := r.MicroJoules(); len(got) != 1 || got["package-0/dram"] != 0 {
			t.Errorf("got %v", got)
		}
	})
	t.Run("read error keeps counting", func(t *testing.T) {
		root := loadTree(t, "wrap")
		r, err := OpenRAPL(os.DirFS(root))
		if err != nil {
			t.Fatal(err)
		}
		_ = r.Sample(time.Time{})
		writeFile(t, root, PowercapDir+"/intel-rapl:0/energy_uj", "x")
		if err := r.Sample(time.Time{}); err == nil {
			t.Error("want a read error")
		}
		setEnergy(t, root, map[string]uint64{"intel-rapl:0": 262143000000 + 42})
		if err := r.Sample(time.Time{}); err != nil {
			t.Fatal(err)
		}
		if got := r.MicroJoules()["package-0"]; got != 42 {
			t.Errorf("package-0: %d µJ, want 42", got)
		}
	})
}

func TestParseZoneDir(t *testing.T) {
	tests := []struct {
		in    string
		ctype string
		idx   []int
		ok    bool
	}{
		{"intel-rapl:0", "intel-rapl", []int{0}, true},
		{"intel-rapl:1:2", "intel-rapl", []int{1, 2}, true},
		{"intel-rapl-mmio:0", "intel-rapl-mmio", []int{0}, true},
		{"intel-rapl", "", nil, false},
		{"dtpm:0", "", nil, false},
		{"intel-rapl:x", "", nil, false},
		{"intel-rapl:-1", "", nil, false},
	}
	for _, tc := range tests {
		ct, idx, ok := parseZoneDir(tc.in)
		if ok != tc.ok || ct != tc.ctype || len(idx) != len(tc.idx) {
			t.Errorf("parseZoneDir(%q) = %q %v %v", tc.in, ct, idx, ok)
		}
	}
}
