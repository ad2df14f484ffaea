package chaos

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Proc is one child process of the run: a service replica, nats-server, the
// Kafka broker or Postgres. It runs in its own process group, so a kill
// takes whatever it started too, and with a parent-death signal, so nothing
// outlives a harness that was itself killed.
type Proc struct {
	Name  string
	Path  string
	Args  []string
	Env   []string // the whole environment of the child
	Log   string   // stdout and stderr are appended here
	Ready string   // a line containing this means it is up ("" = as soon as started)
	Cred  *syscall.Credential

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd has been waited for
	ready   chan struct{}
	Starts  int
	exitErr error
}

// Start starts the process and waits until it says it is ready.
func (p *Proc) Start(ctx context.Context, within time.Duration) error {
	p.mu.Lock()
	if p.cmd != nil {
		p.mu.Unlock()
		return fmt.Errorf("%s already running", p.Name)
	}
	logf, err := os.OpenFile(p.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		p.mu.Unlock()
		return err
	}
	fmt.Fprintf(logf, "\n==== chaos: start %s at %s\n", p.Name, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.Path, p.Args...)
	cmd.Env = p.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: p.Cred}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		p.mu.Unlock()
		logf.Close()
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	p.cmd, p.done, p.ready = cmd, make(chan struct{}), make(chan struct{})
	p.Starts++
	done, ready := p.done, p.ready
	var once sync.Once
	markReady := func() { once.Do(func() { close(ready) }) }
	if p.Ready == "" {
		markReady()
	}
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			if p.Ready != "" && strings.Contains(line, p.Ready) {
				markReady()
			}
		}
		_, _ = io.Copy(logf, pr)
	}()
	go func() {
		err := cmd.Wait()
		pw.Close()
		<-scanned
		fmt.Fprintf(logf, "==== chaos: %s exited at %s: %v\n", p.Name, time.Now().Format(time.RFC3339Nano), err)
		logf.Close()
		p.mu.Lock()
		p.exitErr = err
		if p.cmd == cmd {
			p.cmd = nil
		}
		p.mu.Unlock()
		close(done)
	}()
	p.mu.Unlock()

	t := time.NewTimer(within)
	defer t.Stop()
	select {
	case <-ready:
		return nil
	case <-done:
		return fmt.Errorf("%s exited before it was ready (%v); see %s", p.Name, p.exitErr, p.Log)
	case <-t.C:
		return fmt.Errorf("%s not ready within %s; see %s", p.Name, within, p.Log)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Running reports whether the process is up.
func (p *Proc) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil
}

// Signal sends sig to the process group and, for SIGKILL or when wait is
// set, waits until the process is gone (up to 30 s; then SIGKILL).
func (p *Proc) Signal(sig syscall.Signal, wait bool) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return fmt.Errorf("%s is not running", p.Name)
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
	if sig != syscall.SIGKILL && !wait {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return errors.New(p.Name + " ignored " + sig.String() + " for 30 s; killed")
	}
}

// Stop ends the process gently (SIGTERM, then SIGKILL after grace).
func (p *Proc) Stop(grace time.Duration) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}
