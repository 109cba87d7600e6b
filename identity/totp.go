package identity

import (
	"context"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	qrcode "github.com/skip2/go-qrcode"
)

// TOTP parameters: RFC 6238 with 30-second steps, 6 digits and SHA-1, the
// combination every authenticator app supports.
const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
	totpIssuer = "Palisade"
	// totpSkew accepts the previous and next step for clock drift.
	totpSkew = 1
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Skew: 0, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1}

// TOTPEnrollment is what a user needs to add Palisade to an authenticator
// app. It is returned once, when enrolment starts.
type TOTPEnrollment struct {
	// Secret is the base32 seed, for manual entry.
	Secret string
	// URI is the otpauth:// key URI encoded in the QR code.
	URI string
	// QRPNG is the QR code of URI as a PNG image.
	QRPNG []byte
	// QRText is the QR code drawn with Unicode half-block characters, two
	// modules per character cell, for printing in a terminal.
	QRText string
}

// EnrollTOTP starts TOTP enrolment for a user: it generates a seed, keeps it
// as pending and returns it with its QR code. The authenticator becomes
// active only after ConfirmTOTP with a first valid code.
func (s *Service) EnrollTOTP(ctx context.Context, name string) (*TOTPEnrollment, error) {
	u, err := s.lookupUser(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("enroll totp for %q: %w", name, err)
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: totpIssuer, AccountName: s.upn(u.Name), Period: totpPeriod,
		Digits: totpDigits, Algorithm: otp.AlgorithmSHA1, SecretSize: 20,
	})
	if err != nil {
		return nil, fmt.Errorf("enroll totp for %q: %w", name, err)
	}
	enr, err := newEnrollment(key.Secret(), key.URL())
	if err != nil {
		return nil, fmt.Errorf("enroll totp for %q: %w", name, err)
	}
	u.PendingTOTPSecret = key.Secret()
	if err := s.cfg.Directory.PutUser(ctx, u); err != nil {
		return nil, fmt.Errorf("enroll totp for %q: %w", name, err)
	}
	return enr, nil
}

func newEnrollment(secret, uri string) (*TOTPEnrollment, error) {
	q, err := qrcode.New(uri, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	png, err := q.PNG(256)
	if err != nil {
		return nil, fmt.Errorf("qr code png: %w", err)
	}
	return &TOTPEnrollment{Secret: secret, URI: uri, QRPNG: png, QRText: HalfBlockQR(q.Bitmap())}, nil
}

// HalfBlockQR renders a QR bitmap (true = dark module, including its quiet
// zone) as text, packing two rows into each line with '█', '▀', '▄' and ' '.
// Light modules are drawn as filled blocks, so on the usual dark terminal
// background the code appears dark-on-light, as scanners expect.
func HalfBlockQR(bitmap [][]bool) string {
	var b strings.Builder
	light := func(y, x int) bool { return y >= len(bitmap) || !bitmap[y][x] }
	for y := 0; y < len(bitmap); y += 2 {
		for x := range bitmap[y] {
			top, bottom := light(y, x), light(y+1, x)
			switch {
			case top && bottom:
				b.WriteRune('█')
			case top:
				b.WriteRune('▀')
			case bottom:
				b.WriteRune('▄')
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// ConfirmTOTP activates a pending enrolment when code is valid for it.
func (s *Service) ConfirmTOTP(ctx context.Context, name, code string) error {
	u, err := s.lookupUser(ctx, name)
	if err != nil {
		return fmt.Errorf("confirm totp for %q: %w", name, err)
	}
	if u.PendingTOTPSecret == "" {
		return fmt.Errorf("confirm totp for %q: %w", name, ErrNoTOTPEnrolment)
	}
	if err := s.checkTOTP(ctx, u.ObjectID, u.PendingTOTPSecret, code); err != nil {
		return fmt.Errorf("confirm totp for %q: %w", name, err)
	}
	u.TOTPSecret, u.PendingTOTPSecret = u.PendingTOTPSecret, ""
	if err := s.cfg.Directory.PutUser(ctx, u); err != nil {
		return fmt.Errorf("confirm totp for %q: %w", name, err)
	}
	return nil
}

// RemoveTOTP deletes a user's authenticator (confirmed or pending).
func (s *Service) RemoveTOTP(ctx context.Context, name string) error {
	u, err := s.lookupUser(ctx, name)
	if err != nil {
		return fmt.Errorf("remove totp for %q: %w", name, err)
	}
	u.TOTPSecret, u.PendingTOTPSecret = "", ""
	if err := s.cfg.Directory.PutUser(ctx, u); err != nil {
		return fmt.Errorf("remove totp for %q: %w", name, err)
	}
	return nil
}

// Errors of TOTP checks (ConfirmTOTP wraps them).
var (
	ErrTOTPInvalid  = errors.New("invalid verification code")
	ErrTOTPReplayed = errors.New("verification code already used")
	// ErrNoTOTPEnrolment is ConfirmTOTP's error for a user with no
	// enrolment in progress.
	ErrNoTOTPEnrolment = errors.New("no enrolment in progress")
)

// checkTOTP verifies code against secret at the current time, accepting one
// step of drift either way. A step that has been used once for this user is
// refused afterwards, so an observed code cannot be replayed.
func (s *Service) checkTOTP(ctx context.Context, userID, secret, code string) error {
	code = strings.TrimSpace(code)
	if len(code) != int(totpDigits) {
		return ErrTOTPInvalid
	}
	s.totpMu.Lock()
	defer s.totpMu.Unlock()
	now := s.now()
	current := now.Unix() / totpPeriod
	for d := -totpSkew; d <= totpSkew; d++ {
		step := current + int64(d)
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err != nil {
			return fmt.Errorf("totp: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		key := userID + ":" + strconv.FormatInt(step, 10)
		if _, err := s.cfg.Values.Get(ctx, "totp-used", key); err == nil {
			return ErrTOTPReplayed
		}
		// the step stays burnt until it can no longer match
		expires := time.Unix((step+totpSkew+1)*totpPeriod, 0)
		if err := s.cfg.Values.Put(ctx, "totp-used", key, []byte{1}, expires); err != nil {
			return fmt.Errorf("totp: remember used step: %w", err)
		}
		return nil
	}
	return ErrTOTPInvalid
}

// decodeBase32 decodes a TOTP seed written in base32, tolerating lower case,
// spaces and missing padding as authenticator apps do.
func decodeBase32(s string) ([]byte, error) {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "=", "").Replace(s))
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decode base32 seed: %w", err)
	}
	if len(b) < 10 {
		return nil, fmt.Errorf("decode base32 seed: %d bytes is too short (want at least 10)", len(b))
	}
	return b, nil
}
