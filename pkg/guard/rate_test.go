package guard

import (
	"strings"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Rate
		wantErr string
	}{
		{in: "20/h", want: Rate{N: 20, Per: time.Hour}},
		{in: "1/s", want: Rate{N: 1, Per: time.Second}},
		{in: "300/m", want: Rate{N: 300, Per: time.Minute}},
		{in: "1000/d", want: Rate{N: 1000, Per: 24 * time.Hour}},
		{in: "20", wantErr: "want N/s, N/m, N/h or N/d"},
		{in: "0/h", wantErr: "at least 1"},
		{in: "-3/h", wantErr: "at least 1"},
		{in: "x/h", wantErr: "whole number"},
		{in: "20/w", wantErr: `unknown period "w"`},
		{in: "20/hour", wantErr: `unknown period "hour"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRate(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRate(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseRate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestRateWindowsAreFixedAndDaysAreUTC(t *testing.T) {
	t.Parallel()
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		name       string
		rate       Rate
		at         time.Time
		start, end time.Time
	}{
		{"an hour window starts on the hour", Rate{20, time.Hour},
			time.Date(2026, 3, 1, 10, 59, 59, 0, time.UTC),
			time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC)},
		{"a day window runs from midnight UTC whatever the zone", Rate{5, 24 * time.Hour},
			time.Date(2026, 3, 2, 0, 30, 0, 0, paris),
			time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start, end := tt.rate.Window(tt.at)
			if !start.Equal(tt.start) || !end.Equal(tt.end) {
				t.Errorf("Window(%v) = %v, %v; want %v, %v", tt.at, start, end, tt.start, tt.end)
			}
		})
	}
}
