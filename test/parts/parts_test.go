package parts

import "testing"

func TestRequiredReadsTheList(t *testing.T) {
	tests := []struct {
		env, part string
		want      bool
	}{
		{"", Chromium, false},
		{"postgres", Chromium, false},
		{"postgres,chromium", Chromium, true},
		{" postgres , chromium ", Postgres, true},
		{"chromiumx", Chromium, false},
	}
	for _, tt := range tests {
		t.Setenv(EnvRequire, tt.env)
		if got := Required(tt.part); got != tt.want {
			t.Errorf("Required(%q) with %s=%q = %v, want %v", tt.part, EnvRequire, tt.env, got, tt.want)
		}
	}
}
