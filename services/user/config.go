package user

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Config of the user service.
type Config struct {
	platform.Config
	JWTKeyFile     string        // JWT_PRIVATE_KEY_FILE: PKCS#8 PEM Ed25519 key
	JWTGenerateKey bool          // JWT_GENERATE_KEY=true: create the key file if missing (dev)
	JWTVerifyKeys  []string      // JWT_VERIFY_KEY_FILES: comma-separated PEM files published for verification only (key rotation)
	TokenTTL       time.Duration // TOKEN_TTL
	ArgonMemoryKiB int           // ARGON2_MEMORY_KIB (OWASP minimum 19456)
	ArgonTime      int           // ARGON2_TIME
	Workers        int           // SERVICE_WORKERS: concurrent handlers per process (ADR 0021); few, as a password hash takes ARGON2_MEMORY_KIB
}

// ConfigFromEnv reads the configuration; parse problems come back with Validate's.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	e := platform.Env(getenv)
	c := Config{
		Config:         platform.BaseFromEnv(getenv, &errs),
		JWTKeyFile:     e.Str("JWT_PRIVATE_KEY_FILE", ".slotmesh/jwt_ed25519.pem"),
		JWTGenerateKey: e.Str("JWT_GENERATE_KEY", "false") == "true",
		JWTVerifyKeys:  splitList(e.Str("JWT_VERIFY_KEY_FILES", "")),
		TokenTTL:       e.Duration("TOKEN_TTL", 24*time.Hour, &errs),
		ArgonMemoryKiB: e.Int("ARGON2_MEMORY_KIB", 19456, &errs),
		ArgonTime:      e.Int("ARGON2_TIME", 2, &errs),
		Workers:        e.Workers("SERVICE_WORKERS", "SERVICE_INSTANCES", 8, &errs),
	}
	errs = append(errs, c.Validate())
	return c, errors.Join(errs...)
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	errs := []error{c.Config.Validate()}
	if c.JWTKeyFile == "" {
		errs = append(errs, errors.New("JWT_PRIVATE_KEY_FILE: empty"))
	}
	if c.TokenTTL < time.Minute || c.TokenTTL > 30*24*time.Hour {
		errs = append(errs, fmt.Errorf("TOKEN_TTL: %s not in 1m..720h", c.TokenTTL))
	}
	if c.ArgonMemoryKiB < 64 || c.ArgonMemoryKiB > 1<<21 {
		errs = append(errs, fmt.Errorf("ARGON2_MEMORY_KIB: %d out of range", c.ArgonMemoryKiB))
	}
	if c.ArgonTime < 1 || c.ArgonTime > 10 {
		errs = append(errs, fmt.Errorf("ARGON2_TIME: %d out of range", c.ArgonTime))
	}
	if c.Workers < 1 || c.Workers > platform.MaxWorkers {
		errs = append(errs, fmt.Errorf("SERVICE_WORKERS: %d not in 1..%d", c.Workers, platform.MaxWorkers))
	}
	return errors.Join(errs...)
}

// splitList splits a comma-separated list, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
