package meter

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// PowercapDir is where the kernel exposes RAPL zones, relative to the root
// of the file system handed to OpenRAPL.
const PowercapDir = "sys/class/powercap"

// ScopeHost marks a host-wide counter billed whole to the run (before the
// tracker takes the run's share of it).
const ScopeHost Scope = "host"

// ScopeNode marks a whole-node counter measured once for a distributed job
// by the node's leader rank: it counts once per job and node.
const ScopeNode Scope = "node"

// RAPLHint tells people how to make RAPL energy counters readable.
const RAPLHint = `RAPL energy counters exist but energy_uj is readable only by root (Linux 5.10 and later, CVE-2020-8694). ` +
	`To measure CPU and DRAM energy run greenai as root, or allow reading until the next reboot with ` +
	`"sudo chmod a+r /sys/class/powercap/intel-rapl*/energy_uj /sys/class/powercap/intel-rapl*/*/energy_uj" ` +
	`(a udev rule or systemd-tmpfiles entry makes it permanent; see docs/measure.md)`

// ErrNoRAPL reports that the machine exposes no RAPL powercap zones.
var ErrNoRAPL = errors.New("rapl: no powercap RAPL zones (no /sys/class/powercap/intel-rapl*, e.g. a VM, a container without sysfs, or a CPU without RAPL)")

// RAPLUnreadableError reports RAPL zones that exist but cannot be read.
type RAPLUnreadableError struct {
	Zones []string // zone directories that failed
	Err   error    // the first read error
}

func (e *RAPLUnreadableError) Error() string {
	return fmt.Sprintf("rapl: cannot read energy_uj of %s: %v. %s", strings.Join(e.Zones, ", "), e.Err, RAPLHint)
}

func (e *RAPLUnreadableError) Unwrap() error { return e.Err }

// RAPL meters CPU package and DRAM energy through the Linux powercap
// interface. Zones are chosen by name, never by index: package-N (and
// package-N-die-M) count as cpu, dram as dram; psys (the whole platform,
// which contains package and dram), core and uncore (parts of package) are
// never added. intel-rapl-mmio copies of an intel-rapl zone, and dies that
// mirror one socket-wide counter (multi-die AMD parts), are counted once.
// Counter wrap-around is corrected with max_energy_range_uj.
type RAPL struct {
	fsys        fs.FS
	zones       []*raplZone
	notes       []string
	maxInterval time.Duration
}

type raplZone struct {
	dir        string // entry under PowercapDir, e.g. intel-rapl:0:2
	ctype      string // intel-rapl or intel-rapl-mmio
	idx        []int
	name       string // the zone's name file
	component  string // cpu or dram
	device     string // package-0, package-0/dram
	parent     string // parent device for subzones
	maxRange   uint64 // max_energy_range_uj
	maxPowerUW uint64 // largest constraint_*_max_power_uw, 0 if unknown
	last       uint64
	totalUJ    uint64
	started    bool
}

var dieName = regexp.MustCompile(`^package-(\d+)-die-(\d+)$`)

// OpenRAPL finds the RAPL zones under fsys (a file system rooted at "/",
// such as os.DirFS("/"), or a fake sysfs tree in tests) and takes no sample
// yet. It returns ErrNoRAPL when there are none and *RAPLUnreadableError
// when they exist but energy_uj cannot be read.
func OpenRAPL(fsys fs.FS) (*RAPL, error) {
	entries, err := fs.ReadDir(fsys, PowercapDir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrNoRAPL
		}
		return nil, fmt.Errorf("rapl: list %s: %w", PowercapDir, err)
	}
	r := &RAPL{fsys: fsys}
	var cands []*raplZone
	names := map[string]string{} // dir -> zone name
	for _, e := range entries {
		ctype, idx, ok := parseZoneDir(e.Name())
		if !ok {
			continue
		}
		dir := path.Join(PowercapDir, e.Name())
		name, err := readString(fsys, path.Join(dir, "name"))
		if err != nil {
			continue
		}
		names[e.Name()] = name
		cands = append(cands, &raplZone{dir: e.Name(), ctype: ctype, idx: idx, name: name})
	}
	if len(cands) == 0 {
		return nil, ErrNoRAPL
	}
	sort.Slice(cands, func(i, j int) bool { return zoneLess(cands[i], cands[j]) })

	var unreadable []string
	var firstErr error
	seen := map[string]*raplZone{}
	var kept []*raplZone
	for _, z := range cands {
		switch {
		case strings.HasPrefix(z.name, "package-"):
			z.component, z.device = "cpu", z.name
		case z.name == "dram":
			z.component = "dram"
			if len(z.idx) > 1 {
				z.parent = names[fmt.Sprintf("%s:%d", z.ctype, z.idx[0])]
				z.device = z.parent + "/dram"
			} else {
				z.device = fmt.Sprintf("dram-%d", z.idx[0])
			}
		case z.name == "psys":
			r.notef("%s (psys) not counted: the platform domain already contains package and dram", z.dir)
			continue
		case z.name == "core" || z.name == "uncore":
			continue // parts of the package domain
		default:
			r.notef("%s (%s) not counted: unknown RAPL domain", z.dir, z.name)
			continue
		}
		if prev, dup := seen[z.device]; dup {
			what := "mirrored copy"
			if prev.ctype != z.ctype {
				what = "MMIO copy"
			}
			r.notef("%s (%s) not counted: %s of %s", z.dir, z.name, what, prev.dir)
			continue
		}
		v, err := readUint(fsys, path.Join(PowercapDir, z.dir, "energy_uj"))
		if err != nil {
			unreadable = append(unreadable, path.Join("/", PowercapDir, z.dir))
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		z.last = v
		z.maxRange, _ = readUint(fsys, path.Join(PowercapDir, z.dir, "max_energy_range_uj"))
		for c := 0; c < 8; c++ {
			p, err := readUint(fsys, path.Join(PowercapDir, z.dir, fmt.Sprintf("constraint_%d_max_power_uw", c)))
			if err != nil {
				break
			}
			z.maxPowerUW = max(z.maxPowerUW, p)
		}
		seen[z.device] = z
		kept = append(kept, z)
	}
	if len(kept) == 0 {
		if len(unreadable) > 0 {
			return nil, &RAPLUnreadableError{Zones: unreadable, Err: firstErr}
		}
		return nil, ErrNoRAPL
	}
	if len(unreadable) > 0 {
		r.notef("some RAPL zones unreadable (%s): %v", strings.Join(unreadable, ", "), firstErr)
	}
	r.zones = r.dropMirroredDies(kept)
	r.maxInterval = safeInterval(r.zones)
	return r, nil
}

// dropMirroredDies keeps one die of each package when the dies mirror one
// socket-wide counter: always on AMD (whose RAPL package counter is per
// socket), and elsewhere when the dies' counters read the same value.
func (r *RAPL) dropMirroredDies(zones []*raplZone) []*raplZone {
	amd := cpuVendor(r.fsys) == "AuthenticAMD"
	first := map[string]*raplZone{} // package number -> first die zone
	dropped := map[string]bool{}    // devices dropped as mirrors
	var out []*raplZone
	for _, z := range zones {
		if z.component == "dram" && dropped[z.parent] {
			r.notef("%s (%s) not counted: belongs to mirrored die %s", z.dir, z.device, z.parent)
			continue
		}
		m := dieName.FindStringSubmatch(z.name)
		if m == nil {
			out = append(out, z)
			continue
		}
		f, ok := first[m[1]]
		if !ok {
			first[m[1]] = z
			out = append(out, z)
			continue
		}
		if amd || closeCounters(f.last, z.last) {
			why := "reads the same counter as"
			if amd {
				why = "on AMD the package counter is per socket, same as"
			}
			r.notef("%s (%s) not counted: mirrored die, %s %s", z.dir, z.name, why, f.name)
			dropped[z.device] = true
			continue
		}
		out = append(out, z)
	}
	return out
}

// closeCounters reports whether two raw counters are one counter read twice
// (equal within 1 J: both are read microseconds apart).
func closeCounters(a, b uint64) bool {
	d := a - b
	if b > a {
		d = b - a
	}
	return d <= 1_000_000
}

// safeInterval is half the shortest time any zone needs to wrap at its
// largest possible power (1 kW per zone when the zone does not say).
func safeInterval(zones []*raplZone) time.Duration {
	best := time.Duration(0)
	for _, z := range zones {
		if z.maxRange == 0 {
			continue
		}
		p := float64(z.maxPowerUW)
		if p <= 0 {
			p = 1e9 // µW
		}
		d := time.Duration(float64(z.maxRange) / p / 2 * float64(time.Second))
		if best == 0 || d < best {
			best = d
		}
	}
	if best != 0 && best < 10*time.Millisecond {
		best = 10 * time.Millisecond
	}
	return best
}

// Name implements EnergyMeter.
func (r *RAPL) Name() string { return "rapl" }

// Notes lists zones that were found but not counted, and why.
func (r *RAPL) Notes() []string { return r.notes }

// Zones lists the counted zones as "dir (name)".
func (r *RAPL) Zones() []string {
	var s []string
	for _, z := range r.zones {
		s = append(s, fmt.Sprintf("%s (%s)", z.dir, z.name))
	}
	return s
}

// MaxInterval implements EnergyMeter.
func (r *RAPL) MaxInterval() time.Duration { return r.maxInterval }

// Close implements EnergyMeter.
func (r *RAPL) Close() error { return nil }

// Sample implements EnergyMeter. A counter that went backwards wrapped
// around at max_energy_range_uj; the energy across the wrap is
// max_energy_range_uj - last + now.
func (r *RAPL) Sample(time.Time) error {
	var first error
	for _, z := range r.zones {
		v, err := readUint(r.fsys, path.Join(PowercapDir, z.dir, "energy_uj"))
		if err != nil {
			if first == nil {
				first = fmt.Errorf("rapl: %s: %w", z.dir, err)
			}
			continue
		}
		if !z.started {
			z.started = true
			z.last = v
			continue
		}
		switch {
		case v >= z.last:
			z.totalUJ += v - z.last
		case z.maxRange > z.last:
			z.totalUJ += z.maxRange - z.last + v
		default:
			// A counter below its last value with no usable range: count
			// from zero, the least that can have been spent.
			z.totalUJ += v
		}
		z.last = v
	}
	return first
}

// Energy implements EnergyMeter: one entry per counted zone, host-wide.
func (r *RAPL) Energy() []Energy {
	out := make([]Energy, 0, len(r.zones))
	for _, z := range r.zones {
		out = append(out, Energy{
			Component:  z.component,
			Device:     z.device,
			Joules:     float64(z.totalUJ) / 1e6,
			Provenance: MeasuredCounter,
			Method:     fmt.Sprintf("RAPL powercap %s (%s) energy_uj", z.dir, z.name),
			Scope:      ScopeHost,
		})
	}
	return out
}

// MicroJoules returns the exact counted energy per device in µJ.
func (r *RAPL) MicroJoules() map[string]uint64 {
	m := map[string]uint64{}
	for _, z := range r.zones {
		m[z.device] = z.totalUJ
	}
	return m
}

func (r *RAPL) notef(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// parseZoneDir splits "intel-rapl:0:2" into its control type and indices.
func parseZoneDir(s string) (string, []int, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || !strings.HasPrefix(parts[0], "intel-rapl") {
		return "", nil, false
	}
	idx := make([]int, 0, len(parts)-1)
	for _, p := range parts[1:] {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return "", nil, false
		}
		idx = append(idx, n)
	}
	return parts[0], idx, true
}

// zoneLess orders intel-rapl before intel-rapl-mmio, then by index.
func zoneLess(a, b *raplZone) bool {
	if a.ctype != b.ctype {
		return a.ctype == "intel-rapl" || (b.ctype != "intel-rapl" && a.ctype < b.ctype)
	}
	for i := 0; i < len(a.idx) && i < len(b.idx); i++ {
		if a.idx[i] != b.idx[i] {
			return a.idx[i] < b.idx[i]
		}
	}
	return len(a.idx) < len(b.idx)
}

func readString(fsys fs.FS, name string) (string, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

func readUint(fsys fs.FS, name string) (uint64, error) {
	s, err := readString(fsys, name)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", name, err)
	}
	return v, nil
}

// cpuVendor returns the vendor_id of the first CPU in proc/cpuinfo.
func cpuVendor(fsys fs.FS) string {
	b, err := fs.ReadFile(fsys, "proc/cpuinfo")
	if err != nil {
		return ""
	}
	return cpuinfoField(string(b), "vendor_id")
}

func cpuinfoField(s, key string) string {
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// HostFS is the real root file system.
var HostFS fs.FS = os.DirFS("/")
