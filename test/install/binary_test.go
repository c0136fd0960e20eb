package install_test

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

var (
	managerOnce sync.Once
	managerDir  string
	managerBin  string
	managerErr  string
)

// shellWords splits a command line the way sh would for the simple,
// quote-only syntax the Dockerfile and Makefile use.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inWord, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// dockerfileBuild returns the environment and flags of the Dockerfile's
// `go build`: the assignments before `go` (without GOOS and GOARCH, which
// follow the target platform) and the arguments between `build` and `-o`.
func dockerfileBuild(t *testing.T) (env, flags []string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.ReplaceAll(string(data), "\\\n", " ")
	var line string
	for l := range strings.SplitSeq(joined, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "RUN ") && strings.Contains(l, "go build") {
			if line != "" {
				t.Fatal("the Dockerfile has more than one RUN with go build")
			}
			line = strings.TrimPrefix(strings.TrimSpace(l), "RUN ")
		}
	}
	if line == "" {
		t.Fatal("no RUN ... go build in the Dockerfile")
	}
	words := shellWords(line)
	i := 0
	for ; i < len(words) && words[i] != "go"; i++ {
		if name, _, ok := strings.Cut(words[i], "="); ok && name != "GOOS" && name != "GOARCH" {
			env = append(env, words[i])
		}
	}
	if i+1 >= len(words) || words[i+1] != "build" {
		t.Fatalf("cannot parse the Dockerfile's build command: %q", line)
	}
	for _, w := range words[i+2:] {
		if w == "-o" {
			break
		}
		flags = append(flags, w)
	}
	return env, flags
}

// TestDockerfileMatchesMakefile: CI cannot run docker here, so it checks
// that the Dockerfile builds with the flags `make build` uses (the
// Makefile's BUILD_ENV and BUILD_FLAGS, printed by `make build-flags`).
func TestDockerfileMatchesMakefile(t *testing.T) {
	env, flags := dockerfileBuild(t)
	cmd := exec.Command("make", "-s", "--no-print-directory", "build-flags")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make build-flags: %v", err)
	}
	var makeEnv, makeFlags []string
	for _, w := range shellWords(string(out)) {
		if strings.Contains(w, "=") && !strings.HasPrefix(w, "-") {
			makeEnv = append(makeEnv, w)
		} else {
			makeFlags = append(makeFlags, w)
		}
	}
	if !slices.Equal(env, makeEnv) || !slices.Equal(flags, makeFlags) {
		t.Errorf("Dockerfile builds with %v %v, the Makefile with %v %v: keep them the same", env, flags, makeEnv, makeFlags)
	}
	if !slices.Contains(env, "CGO_ENABLED=0") {
		t.Errorf("the Dockerfile builds with CGO on (%v): distroless/static has no libc", env)
	}
}

// buildManager builds ./cmd/manager exactly as the Dockerfile does, once.
func buildManager(t *testing.T) string {
	t.Helper()
	managerOnce.Do(func() {
		// Stays set if dockerfileBuild fails this test.
		managerErr = "cannot read the Dockerfile's build command"
		env, flags := dockerfileBuild(t)
		var err error
		if managerDir, err = os.MkdirTemp("", "manager-"); err != nil {
			managerErr = err.Error()
			return
		}
		managerErr = ""
		managerBin = filepath.Join(managerDir, "manager")
		args := append(append([]string{"build"}, flags...), "-o", managerBin, "./cmd/manager")
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		cmd.Env = append(append(os.Environ(), env...), "GOOS=linux", "GOARCH="+runtime.GOARCH)
		if out, err := cmd.CombinedOutput(); err != nil {
			managerErr = "go " + strings.Join(args, " ") + ": " + err.Error() + "\n" + string(out)
		}
	})
	if managerErr != "" {
		t.Fatal(managerErr)
	}
	return managerBin
}

// TestManagerBinaryIsStatic: distroless/static has no dynamic loader and no
// libc, so a dynamically linked manager would not start in the image.
func TestManagerBinaryIsStatic(t *testing.T) {
	bin := buildManager(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			t.Error("the manager has a PT_INTERP program header: it needs a dynamic loader")
		case elf.PT_DYNAMIC:
			t.Error("the manager has a PT_DYNAMIC program header: it is dynamically linked")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("the manager imports shared libraries %v (%v)", libs, err)
	}
	// -ldflags "-s -w" strips the symbol table and DWARF.
	for _, s := range []string{".symtab", ".debug_info"} {
		if f.Section(s) != nil {
			t.Errorf("the manager has a %s section: it was not built with -s -w", s)
		}
	}
}

// TestManifestsUseRealFlags runs the manager's --help and checks that every
// flag the chart and config/default pass exists, so a renamed flag cannot
// leave the Deployment crash-looping on "flag provided but not defined".
func TestManifestsUseRealFlags(t *testing.T) {
	bin := buildManager(t)
	cmd := exec.Command(bin, "--help")
	var help bytes.Buffer
	cmd.Stdout, cmd.Stderr = &help, &help
	_ = cmd.Run() // --help exits 0 or 2 depending on the flag package; the text is what counts
	defined := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+-([a-z0-9][a-z0-9-]*)`).FindAllStringSubmatch(help.String(), -1) {
		defined[m[1]] = true
	}
	if !defined["webhook-bind-address"] || !defined["zap-log-level"] {
		t.Fatalf("cannot read the manager's flags from --help:\n%s", help.String())
	}

	deployments := map[string]*appsv1.Deployment{}
	for _, tc := range valuesCases {
		for _, o := range find(renderChart(t, "csync", "flags", tc.values), "Deployment") {
			d := &appsv1.Deployment{}
			convert(t, o, d)
			deployments["chart "+tc.name+" "+d.Name] = d
		}
	}
	d := &appsv1.Deployment{}
	convert(t, only(t, renderKustomize(t), "Deployment"), d)
	deployments["config/default"] = d

	for name, d := range deployments {
		for _, arg := range d.Spec.Template.Spec.Containers[0].Args {
			flagName, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
			if !defined[flagName] {
				t.Errorf("%s passes %s, which the manager does not define", name, arg)
			}
		}
	}
}
