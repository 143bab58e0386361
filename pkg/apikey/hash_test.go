package apikey

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// cheap keeps tests fast; Verify reads parameters from the string, so
// hashes made with it verify like any other.
var cheap = params{memory: 64, time: 1, threads: 1, saltLen: 16, keyLen: 32}

func TestHashWritesPHCWithDefaultParameters(t *testing.T) {
	t.Parallel()
	phc, err := Hash([]byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !want.MatchString(phc) {
		t.Errorf("Hash = %q, want match for %s", phc, want)
	}
	other, _ := Hash([]byte("secret"))
	if other == phc {
		t.Errorf("two hashes of the same secret are equal; the salt is not random")
	}
}

func TestVerifyAcceptsRightSecretOnly(t *testing.T) {
	t.Parallel()
	phc, err := Hash([]byte("right"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		secret string
		want   bool
	}{
		{"right", true},
		{"wrong", false},
		{"righ", false},
		{"right ", false},
		{"", false},
	}
	for _, tt := range tests {
		got, err := Verify(phc, []byte(tt.secret))
		if err != nil || got != tt.want {
			t.Errorf("Verify(%q) = %v, %v, want %v, nil", tt.secret, got, err, tt.want)
		}
	}
}

func TestVerifyUsesParametersFromTheString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    params
	}{
		{"cheap", cheap},
		{"RFC 9106 second option", params{memory: 64 * 1024, time: 3, threads: 4, saltLen: 16, keyLen: 32}},
		{"short salt and long hash", params{memory: 256, time: 3, threads: 2, saltLen: 8, keyLen: 64}},
		{"long salt and short hash", params{memory: 128, time: 2, threads: 1, saltLen: 64, keyLen: 16}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			phc, err := hashWith(tt.p, []byte("s3cret"))
			if err != nil {
				t.Fatal(err)
			}
			wantPrefix := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", tt.p.memory, tt.p.time, tt.p.threads)
			if !strings.HasPrefix(phc, wantPrefix) {
				t.Errorf("hash = %q, want prefix %q", phc, wantPrefix)
			}
			if ok, err := Verify(phc, []byte("s3cret")); !ok || err != nil {
				t.Errorf("Verify right = %v, %v, want true, nil", ok, err)
			}
			if ok, err := Verify(phc, []byte("s3creT")); ok || err != nil {
				t.Errorf("Verify wrong = %v, %v, want false, nil", ok, err)
			}
		})
	}
}

// A hash written by another implementation: parameters in another order,
// computed here straight from x/crypto rather than through hashWith.
func TestVerifyReadsForeignParameterOrder(t *testing.T) {
	t.Parallel()
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("pw"), salt, 2, 32, 1, 32)
	phc := "$argon2id$v=19$t=2,p=1,m=32$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key)
	if ok, err := Verify(phc, []byte("pw")); !ok || err != nil {
		t.Errorf("Verify = %v, %v, want true, nil", ok, err)
	}
}

func TestVerifyRefusesUnusableHashes(t *testing.T) {
	t.Parallel()
	salt := b64.EncodeToString([]byte("0123456789abcdef"))
	sum := b64.EncodeToString(make([]byte, 32))
	with := func(mtp string) string { return "$argon2id$v=19$" + mtp + "$" + salt + "$" + sum }
	tests := []struct {
		name, phc string
	}{
		{"empty", ""},
		{"not PHC", "bcrypt-ish"},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"},
		{"argon2i", strings.Replace(with("m=64,t=1,p=1"), "argon2id", "argon2i", 1)},
		{"argon2d", strings.Replace(with("m=64,t=1,p=1"), "argon2id", "argon2d", 1)},
		{"old version", strings.Replace(with("m=64,t=1,p=1"), "v=19", "v=16", 1)},
		{"no version", "$argon2id$m=64,t=1,p=1$" + salt + "$" + sum},
		{"memory over 1 GiB", with("m=1048577,t=1,p=1")},
		{"memory 4 TiB", with("m=4294967295,t=1,p=1")},
		{"memory overflows uint32", with("m=9999999999,t=1,p=1")},
		{"memory below 8 KiB per lane", with("m=15,t=1,p=2")},
		{"zero passes", with("m=64,t=0,p=1")},
		{"a thousand passes", with("m=64,t=1000,p=1")},
		{"zero lanes", with("m=64,t=1,p=0")},
		{"255 lanes", with("m=4096,t=1,p=255")},
		{"missing p", with("m=64,t=1")},
		{"extra parameter", with("m=64,t=1,p=1,x=2")},
		{"duplicate m", with("m=64,m=1048576,t=1,p=1")},
		{"leading zero", with("m=064,t=1,p=1")},
		{"sign", with("m=+64,t=1,p=1")},
		{"negative", with("m=-64,t=1,p=1")},
		{"no value", with("m=,t=1,p=1")},
		{"no equals", with("m64,t=1,p=1")},
		{"padded salt", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + sum},
		{"salt not base64", "$argon2id$v=19$m=64,t=1,p=1$not*base64*salt!$" + sum},
		{"short salt", "$argon2id$v=19$m=64,t=1,p=1$" + b64.EncodeToString([]byte("1234567")) + "$" + sum},
		{"short hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + b64.EncodeToString(make([]byte, 15))},
		{"missing hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt},
		{"trailing field", with("m=64,t=1,p=1") + "$x"},
		{"too long", with("m=64,t=1,p=1") + strings.Repeat("A", 300)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			ok, err := Verify(tt.phc, []byte("x"))
			if ok || !errors.Is(err, ErrBadHash) {
				t.Errorf("Verify = %v, %v, want false, ErrBadHash", ok, err)
			}
			// Refusal must come before any Argon2id work.
			if d := time.Since(start); d > time.Second {
				t.Errorf("refusing took %v", d)
			}
		})
	}
}
