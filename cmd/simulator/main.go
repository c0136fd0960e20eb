// Command simulator serves local stand-ins for 99minds, iPaaS.com and OpenAI for the operator's
// sandbox mode, demo and benchmarks. Flags or a YAML file (-config) choose the systems, their
// addresses, keys, faults and seed data; see config.go. Secrets are never logged.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "simulator:", err)
		os.Exit(1)
	}
}

func run(args []string, logOut io.Writer) error {
	f, err := parseFlags(args)
	if err != nil {
		return err
	}
	cfg, err := load(f)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(logOut, nil))
	fl, err := startAll(cfg)
	if err != nil {
		return err
	}
	defer fl.close()
	for _, s := range fl.services {
		log.Info("simulator listening", "system", s.name, "url", s.url, "admin", s.url+"/_admin/")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	log.Info("shutting down")
	return nil
}
