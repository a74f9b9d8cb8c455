// Package slurmtest checks whether a Slurm controller responds on this
// machine, so that tests of the slurm sweep executor skip with a reason
// instead of hanging when none runs.
package slurmtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	probe   sync.Once
	missing string // reason the Slurm tests skip; "" when a cluster responds
)

// Require skips the test unless a Slurm controller responds on this
// machine. The configuration file is checked first, because Slurm clients
// without one look the controller up in DNS. The probe runs once per test
// binary, since sinfo takes about 10 s to give up on a stopped controller.
func Require(t *testing.T) {
	t.Helper()
	probe.Do(func() { missing = probeSlurm() })
	if missing != "" {
		t.Skip(missing)
	}
}

func probeSlurm() string {
	conf := os.Getenv("SLURM_CONF")
	if conf == "" {
		conf = "/etc/slurm/slurm.conf"
	}
	if _, err := os.Stat(conf); err != nil {
		return fmt.Sprintf("no Slurm configuration at %s; CI starts a one-node cluster on localhost in .ci/run", conf)
	}
	if _, err := exec.LookPath("sinfo"); err != nil {
		return "sinfo not found in PATH; CI installs the Slurm clients in .ci/run"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "sinfo", "-h", "-o", "%a").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "up") {
		return fmt.Sprintf("no Slurm controller responds (sinfo: %v: %s); CI starts one in .ci/run", err, strings.TrimSpace(string(out)))
	}
	return ""
}
