package ingest

import "testing"

func TestTicketTokenFindsBracketedNumberBehindPrefixes(t *testing.T) {
	tests := []struct {
		subject string
		want    string
		ok      bool
	}{
		{"[#881358] Aplikasi SIKS-NG tidak bisa login", "881358", true},
		{"Re: [#881358] Aplikasi", "881358", true},
		{"RE : Re: Fwd: [#881358] Aplikasi", "881358", true},
		{"Bls: Balas: [#881358] Data", "881358", true},
		{"TR: WG: AW: Antw: SV: Fw: [#881358]", "881358", true},
		{"[EXTERNAL] Re: Permohonan [#881358]", "881358", true},
		{"Re: Permohonan [#1234567] bantuan", "1234567", true},
		{"Hubungi 081234567890 segera", "", false},
		{"Nomor 881358 tanpa kurung", "", false},
		{"Ticket #881358", "", false},
		{"[#12345] terlalu pendek", "", false},
		{"[#12345678] terlalu panjang", "", false},
		{"[# 881358] spasi", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := TicketToken(tt.subject)
		if got != tt.want || ok != tt.ok {
			t.Errorf("TicketToken(%q) = %q, %v; want %q, %v", tt.subject, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCleanSubjectRemovesPrefixesAndToken(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Re: [#881358] Aplikasi SIKS-NG", "Aplikasi SIKS-NG"},
		{"RE : Re: FWD: Bls: Data terpadu", "Data terpadu"},
		{"[EXTERNAL] Re: Fw: Email Kemsos", "Email Kemsos"},
		{"Re[2]: Jaringan putus", "Jaringan putus"},
		{"Balas: Antw: SV: AW: WG: TR: Halo", "Halo"},
		{"Rekap data", "Rekap data"},
		{"Re:", ""},
	}
	for _, tt := range tests {
		if got := CleanSubject(tt.in); got != tt.want {
			t.Errorf("CleanSubject(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsForwardSubject(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"Fwd: keluhan warga", true},
		{"FW: keluhan", true},
		{"Fwd : keluhan", true},
		{"Fw : keluhan", true},
		{"TR: plainte", true},
		{"WG: Beschwerde", true},
		{"Re: Fwd: keluhan", true},
		{"[EXTERNAL] Fwd: keluhan", true},
		{"Re: keluhan", false},
		{"Forward planning", false},
		{"Trial: foo", false},
	}
	for _, tt := range tests {
		if got := IsForwardSubject(tt.in); got != tt.want {
			t.Errorf("IsForwardSubject(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
