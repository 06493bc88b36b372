package meter

import (
	"io/fs"
	"os"
	"strings"
)

// EnvSysfs names a directory read in place of /sys (the RAPL powercap
// tree): a container that mounts the host's /sys elsewhere, or a test's
// fake tree.
const EnvSysfs = "GREENAI_SYSFS"

// WithSysfs returns fsys (rooted at "/") with its "sys" directory replaced
// by the directory sysDir; everything else (proc) is read from fsys.
func WithSysfs(fsys fs.FS, sysDir string) fs.FS {
	return sysfsOverlay{base: fsys, sys: os.DirFS(sysDir)}
}

type sysfsOverlay struct{ base, sys fs.FS }

func (o sysfsOverlay) Open(name string) (fs.File, error) {
	if name == "sys" {
		return o.sys.Open(".")
	}
	if rest, ok := strings.CutPrefix(name, "sys/"); ok {
		return o.sys.Open(rest)
	}
	return o.base.Open(name)
}
