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

func TestCleanSubjectKeepsTagsAndRemovesPrefixesAndToken(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Re: [#881358] Aplikasi SIKS-NG", "Aplikasi SIKS-NG"},
		{"RE : Re: FWD: Bls: Data terpadu", "Data terpadu"},
		{"[EXTERNAL] Re: Fw: Email Kemsos", "[EXTERNAL] Email Kemsos"},
		{"[EXTERNAL] Re: Fwd: foo", "[EXTERNAL] foo"},
		{"Re: [EXTERNAL] Re: foo", "[EXTERNAL] foo"},
		{"[EXTERNAL] [#881358] Re: Data", "[EXTERNAL] Data"},
		{"[SPAM] Bantuan PKH", "[SPAM] Bantuan PKH"},
		{"[SPAM]   [EXTERNAL] RE: Bantuan", "[SPAM] [EXTERNAL] Bantuan"},
		{"Re: [JIRA] (SIKS-1234) Login gagal", "[JIRA] (SIKS-1234) Login gagal"},
		{"Tanya [PENTING] Re: jadwal", "Tanya [PENTING] Re: jadwal"},
		{"Re[2]: Jaringan putus", "Jaringan putus"},
		{"Balas: Antw: SV: AW: WG: TR: Halo", "Halo"},
		{"Rekap data", "Rekap data"},
		{"Re:", ""},
		{"[SPAM] Re:", "[SPAM]"},
	}
	for _, tt := range tests {
		if got := CleanSubject(tt.in); got != tt.want {
			t.Errorf("CleanSubject(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCleanSubjectOfTaggedMail(t *testing.T) {
	tests := []struct {
		file, want string
		forward    bool
	}{
		{"subject-spam-tag.eml", "[SPAM] Bantuan PKH belum cair", false},
		{"subject-jira-tag.eml", "[JIRA] (SIKS-1234) Login SIKS-NG gagal", false},
		{"subject-external-re.eml", "[EXTERNAL] Data DTKS tidak sesuai", true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m := Parse(readMailFixture(t, tt.file), Limits{})
			if got := CleanSubject(m.Subject); got != tt.want {
				t.Errorf("CleanSubject(%q) = %q, want %q", m.Subject, got, tt.want)
			}
			if got := IsForwardSubject(m.Subject); got != tt.forward {
				t.Errorf("IsForwardSubject(%q) = %v, want %v", m.Subject, got, tt.forward)
			}
		})
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
