package examples

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readmeBlocks returns the commands of the README's shell blocks: the
// set-up block at the top and the block under "## Examples", with
// backslash continuations joined.
func readmeBlocks(t *testing.T, readme string) (setup, examples []string) {
	t.Helper()
	var blocks [][]string
	var cur []string
	in := false
	section := ""
	cont := ""
	for _, line := range strings.Split(readme, "\n") {
		switch {
		case !in && strings.HasPrefix(line, "## "):
			section = strings.TrimPrefix(line, "## ")
		case !in && strings.HasPrefix(line, "```sh"):
			in, cur = true, nil
		case in && strings.HasPrefix(line, "```"):
			in = false
			if section == "" && setup == nil {
				setup = cur
			}
			if section == "Examples" {
				blocks = append(blocks, cur)
			}
		case in:
			if strings.HasSuffix(line, `\`) {
				cont += strings.TrimSuffix(line, `\`) + " "
				continue
			}
			cur = append(cur, cont+line)
			cont = ""
		}
	}
	if setup == nil || len(blocks) != 1 {
		t.Fatalf("README.md: want one sh block at the top and one under \"## Examples\", got %d and %d", len(setup), len(blocks))
	}
	return setup, blocks[0]
}

// TestREADMEExamples runs the README's examples as written, one command at
// a time, with a freshly built greenai first on PATH, in a scratch
// directory that holds the bundled files (testdata/models and examples/,
// linked) and a fresh runs store. A command that exits non-zero fails the
// test. From the set-up block it runs the "go run ./cmd/greenai" commands
// (with the built binary), not the test suite itself nor a server.
func TestREADMEExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every README example (-short)")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		if os.Getenv("GREENAI_REQUIRE_PYTHON") != "" { // set by scripts/test.sh, which installs python3
			t.Fatal("python3 not installed; the README's greenai run example needs it")
		}
		t.Skip("python3 not installed (scripts/test.sh installs it)")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	setup, examples := readmeBlocks(t, string(readme))

	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "greenai"), "./cmd/greenai")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/greenai: %v\n%s", err, out)
	}
	work := t.TempDir()
	for _, d := range []string{"testdata", "examples"} {
		if err := os.Symlink(filepath.Join(root, d), filepath.Join(work, d)); err != nil {
			t.Fatal(err)
		}
	}
	home := t.TempDir()
	env := append(os.Environ(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GREENAI_DB="+filepath.Join(home, "runs.db"),
		"HOME="+home, "XDG_DATA_HOME="+filepath.Join(home, "data"),
		"COLUMNS=80")

	var cmds []string
	for _, c := range setup {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(c), "go run ./cmd/greenai "); ok && !strings.HasPrefix(rest, "serve") {
			cmds = append(cmds, "greenai "+rest)
		}
	}
	installs := 0
	for _, c := range examples {
		c = strings.TrimSpace(c)
		if c == "" || strings.HasPrefix(c, "#") {
			continue
		}
		// "go install ./cmd/greenai" is what the binary built above is.
		if strings.HasPrefix(c, "go install ./cmd/greenai") {
			installs++
			continue
		}
		if !strings.HasPrefix(c, "greenai ") {
			t.Errorf("README example %q does not call greenai; the test runs only greenai commands", c)
			continue
		}
		cmds = append(cmds, c)
	}
	if installs != 1 {
		t.Errorf("the README's examples should start by installing greenai (go install ./cmd/greenai); found %d", installs)
	}
	if len(cmds) < 10 {
		t.Fatalf("only %d commands found in the README", len(cmds))
	}
	for _, c := range cmds {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, "bash", "-c", c)
		cmd.Dir, cmd.Env = work, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		cancel()
		if err != nil {
			t.Errorf("README example failed: %s\n%v\n%s", c, err, out.Bytes())
		}
	}
	// What the examples say they write.
	for _, f := range []string{"fpo.pb.gz", "evp.svg", "CARD.md"} {
		if st, err := os.Stat(filepath.Join(work, f)); err != nil || st.Size() == 0 {
			t.Errorf("the examples did not write %s: %v", f, err)
		}
	}
	out, err := exec.Command(filepath.Join(bin, "greenai"), "runs", "--db", filepath.Join(home, "runs.db"), "--experiment", "demo", "--json").Output()
	if err != nil || !bytes.Contains(out, []byte(`"val_acc"`)) || !bytes.Contains(out, []byte(`"per_example_fpo"`)) {
		t.Errorf("the example run recorded no val_acc metric or no FPO: %v\n%s", err, out)
	}
}
