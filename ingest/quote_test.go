package ingest

import (
	"testing"

	"github.com/kemsos/helpdesk/tickets"
)

func TestStripQuotedCutsAtEachMarker(t *testing.T) {
	const reply = "Terima kasih, sudah bisa login.\n\nBudi\n0812-3456-7890"
	tests := []struct {
		name, in string
	}{
		{"helpdesk marker id", reply + "\n\n" + tickets.ReplyMarkerID + "\nIsi tiket lama"},
		{"helpdesk marker en", reply + "\n\n" + tickets.ReplyMarkerEN + "\nOld ticket text"},
		{"marker quoted by client", reply + "\n\n> " + tickets.ReplyMarkerID + "\n> lama"},
		{"gmail on wrote", reply + "\n\nOn Mon, 3 Mar 2025 at 10:00, Helpdesk <helpdesk@kemsos.go.id> wrote:\n> old"},
		{"gmail wrapped on wrote", reply + "\n\nOn Mon, 3 Mar 2025 at 10:00, Helpdesk Kementerian Sosial <helpdesk@kemsos.go.id>\nwrote:\n> old"},
		{"pada menulis", reply + "\n\nPada Sen, 3 Mar 2025 pukul 10.00 Helpdesk <helpdesk@kemsos.go.id> menulis:\n> lama"},
		{"pada tanggal menulis", reply + "\n\nPada tanggal Sen, 3 Mar 2025 10.00, Helpdesk <helpdesk@kemsos.go.id>\nmenulis:\n> lama"},
		{"outlook original message", reply + "\n\n-----Original Message-----\nFrom: Helpdesk\nSent: Monday\n"},
		{"pesan asli", reply + "\n\n-----Pesan Asli-----\nDari: Helpdesk\n"},
		{"pesan asli four dashes", reply + "\n\n-----Pesan Asli----\nDari: Helpdesk\n"},
		{"outlook header block", reply + "\n\nFrom: Helpdesk <helpdesk@kemsos.go.id>\nSent: Monday, March 3, 2025 10:00 AM\nTo: Budi\nSubject: [#881358] Login\n\nold"},
		{"indonesian outlook header block", reply + "\n\nDari: Helpdesk <helpdesk@kemsos.go.id>\nDikirim: Senin, 3 Maret 2025 10.00\nKepada: Budi\nSubjek: [#881358] Login\n\nlama"},
		{"underscore line", reply + "\n\n________________________________\nFrom: Helpdesk <helpdesk@kemsos.go.id>\nold"},
		{"trailing quote lines", reply + "\n\n> old line\n>\n> another"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StripQuoted(tt.in); got != reply {
				t.Errorf("StripQuoted() = %q, want %q", got, reply)
			}
		})
	}
}

func TestStripQuotedKeepsSignatureAndInterleavedQuotes(t *testing.T) {
	in := "> Apakah sudah dicoba?\nSudah, tetap gagal.\n\n-- \nSiti\nHP 0812-0000-1111"
	if got := StripQuoted(in); got != in {
		t.Errorf("StripQuoted() = %q, want input unchanged", got)
	}
}

func TestStripQuotedReturnsWholeTextWhenAllQuoted(t *testing.T) {
	in := "\n\n> hanya kutipan\n> saja\n"
	if got, want := StripQuoted(in), "> hanya kutipan\n> saja"; got != want {
		t.Errorf("StripQuoted() = %q, want %q", got, want)
	}
	in = tickets.ReplyMarkerID + "\nisi lama"
	if got, want := StripQuoted(in), in; got != want {
		t.Errorf("StripQuoted() = %q, want %q", got, want)
	}
}
