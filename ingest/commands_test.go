package ingest

import (
	"fmt"
	"testing"
)

func TestParseCommandsReadsOnlyTheTopLines(t *testing.T) {
	cases := []struct {
		text, cmds, rest string
	}{
		{"Terima kasih.", "[]", "Terima kasih."},
		{"#status resolved\nSudah.", "[status=resolved]", "Sudah."},
		{"\n#Status Selesai\n\n#prioritas Darurat\n#tugaskan saya\n\nSudah kami proses.\n#status closed",
			"[status=resolved priority=emergency assign=me]", "Sudah kami proses.\n#status closed"},
		{"#alihkan Data Terpadu: bukan wewenang kami\n", "[transfer=Data Terpadu(bukan wewenang kami)]", ""},
		{"#catatan\nInternal saja.", "[note=]", "Internal saja."},
		{"#assign <Sari@Kemsos.go.id>\nok", "[assign=sari@kemsos.go.id]", "ok"},
		// Mistakes are reported, not mailed to the citizen.
		{"#stauts resolved\nHalo", "[!unknown command]", "Halo"},
		{"#status pending", "[!status must be open, resolved or closed (buka, selesai, tutup)]", ""},
		{"#transfer Keuangan\nx", "[!transfer needs a department and a reason: #transfer Department: reason]", "x"},
		// A number or a hashtag in prose is prose.
		{"#881358 sudah saya cek", "[]", "#881358 sudah saya cek"},
		{"Halo\n#status closed", "[]", "Halo\n#status closed"},
	}
	for _, c := range cases {
		cmds, rest := ParseCommands(c.text)
		var got []string
		for _, cmd := range cmds {
			switch {
			case cmd.Err != "":
				got = append(got, "!"+cmd.Err)
			case cmd.Reason != "":
				got = append(got, cmd.Name+"="+cmd.Arg+"("+cmd.Reason+")")
			default:
				got = append(got, cmd.Name+"="+cmd.Arg)
			}
		}
		if s := fmt.Sprint(got); s != c.cmds || rest != c.rest {
			t.Errorf("%q:\n got %s %q\nwant %s %q", c.text, s, rest, c.cmds, c.rest)
		}
	}
}

func FuzzParseCommands(f *testing.F) {
	f.Add("#status resolved\n#transfer A: b\nText")
	f.Add("#\n#x\n\n")
	f.Fuzz(func(t *testing.T, text string) {
		cmds, _ := ParseCommands(text)
		for _, c := range cmds {
			if c.Err == "" && c.Name == "" {
				t.Fatalf("a command without name or error: %+v", c)
			}
		}
	})
}
