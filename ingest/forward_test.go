package ingest

import (
	"strings"
	"testing"
)

// agentMail builds a forward an agent sends to the helpdesk.
func agentMail(subject, body string) []byte {
	return []byte("From: Agen Satu <agen1@kemsos.go.id>\r\n" +
		"To: helpdesk@kemsos.go.id\r\n" +
		"Subject: " + subject + "\r\n" +
		"Message-ID: <fwd-1@kemsos.go.id>\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" +
		strings.ReplaceAll(body, "\n", "\r\n"))
}

func TestDetectForwardFindsOriginalSender(t *testing.T) {
	tests := []struct {
		name, subject, body string
		wantName, wantEmail string
		wantSubject         string
		wantText            string
	}{
		{
			name:    "gmail",
			subject: "Fwd: Bantuan PKH belum cair",
			body: "Mohon ditindaklanjuti.\n\n---------- Forwarded message ---------\n" +
				"From: Siti Aminah <siti.aminah@gmail.com>\nDate: Sen, 3 Mar 2025 pukul 09.12\n" +
				"Subject: Bantuan PKH belum cair\nTo: <agen1@kemsos.go.id>\n\nSelamat pagi, bantuan saya belum cair.\n",
			wantName: "Siti Aminah", wantEmail: "siti.aminah@gmail.com",
			wantSubject: "Bantuan PKH belum cair", wantText: "Selamat pagi, bantuan saya belum cair.",
		},
		{
			name:    "gmail bold name",
			subject: "Fwd: Data",
			body: "---------- Forwarded message ---------\nFrom: *Siti Aminah* <siti.aminah@gmail.com>\n" +
				"Date: Mon, Mar 3, 2025\nSubject: Data\nTo: Agen <agen1@kemsos.go.id>\n\nIsi surat\n",
			wantName: "Siti Aminah", wantEmail: "siti.aminah@gmail.com", wantSubject: "Data", wantText: "Isi surat",
		},
		{
			name:    "outlook",
			subject: "FW: Keluhan",
			body: "Tolong dibantu\n\n-----Original Message-----\nFrom: Budi Santoso [mailto:budi@yahoo.co.id]\n" +
				"Sent: Monday, March 3, 2025 9:12 AM\nTo: Agen Satu\nSubject: Keluhan\n\nKartu saya hilang.\n",
			wantName: "Budi Santoso", wantEmail: "budi@yahoo.co.id", wantSubject: "Keluhan", wantText: "Kartu saya hilang.",
		},
		{
			name:    "outlook underscore without marker",
			subject: "FW: Keluhan",
			body: "Tolong dibantu\n\n________________________________\nFrom: Budi Santoso <budi@yahoo.co.id>\n" +
				"Sent: Monday, March 3, 2025 9:12 AM\nTo: Agen Satu\nSubject: Keluhan\n\nKartu saya hilang.\n",
			wantName: "Budi Santoso", wantEmail: "budi@yahoo.co.id", wantSubject: "Keluhan", wantText: "Kartu saya hilang.",
		},
		{
			name:    "apple mail",
			subject: "Fwd: Pertanyaan",
			body: "Begin forwarded message:\n\nFrom: \"Dewi Lestari\" <dewi@example.co.id>\nSubject: Pertanyaan\n" +
				"Date: 3 March 2025 at 09:12:00 GMT+7\nTo: agen1@kemsos.go.id\n\nBagaimana cara daftar?\n",
			wantName: "Dewi Lestari", wantEmail: "dewi@example.co.id", wantSubject: "Pertanyaan", wantText: "Bagaimana cara daftar?",
		},
		{
			name:    "thunderbird without fwd subject",
			subject: "Keluhan warga",
			body: "Lihat di bawah.\n\n-------- Original Message --------\nSubject: Jaringan\nDate: Mon, 3 Mar 2025 09:12:00 +0700\n" +
				"From: rudi@example.net\nTo: agen1@kemsos.go.id\n\nInternet mati.\n",
			wantEmail: "rudi@example.net", wantSubject: "Jaringan", wantText: "Internet mati.",
		},
		{
			name:    "indonesian gmail",
			subject: "Fwd: Aduan",
			body: "---------- Pesan terusan ----------\nDari: Ani <ani@example.id>\nTanggal: Sen, 3 Mar 2025\n" +
				"Subjek: Aduan\nKepada: <agen1@kemsos.go.id>\n\nTolong bantu.\n",
			wantName: "Ani", wantEmail: "ani@example.id", wantSubject: "Aduan", wantText: "Tolong bantu.",
		},
		{
			name:    "indonesian outlook",
			subject: "TR: Aduan",
			body: "-------- Pesan Asli --------\nDari: Ani [mailto:ani@example.id]\nDikirim: Senin, 3 Maret 2025 9.12\n" +
				"Kepada: Agen\nPerihal: Aduan\n\nTolong bantu.\n",
			wantName: "Ani", wantEmail: "ani@example.id", wantSubject: "Aduan", wantText: "Tolong bantu.",
		},
		{
			name:     "indonesian apple",
			subject:  "Fwd: Aduan",
			body:     "Pesan yang diteruskan:\n\nDari: Ani <ani@example.id>\nSubjek: Aduan\nTanggal: 3 Maret 2025\n\nTolong bantu.\n",
			wantName: "Ani", wantEmail: "ani@example.id", wantSubject: "Aduan", wantText: "Tolong bantu.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Parse(agentMail(tt.subject, tt.body), Limits{})
			f := m.Forward
			if f == nil {
				t.Fatalf("Forward = nil; text:\n%s", m.Text)
			}
			if f.From.Name != tt.wantName || f.From.Email != tt.wantEmail {
				t.Errorf("From = %q <%s>, want %q <%s>", f.From.Name, f.From.Email, tt.wantName, tt.wantEmail)
			}
			if f.Subject != tt.wantSubject {
				t.Errorf("Subject = %q, want %q", f.Subject, tt.wantSubject)
			}
			if f.Text != tt.wantText {
				t.Errorf("Text = %q, want %q", f.Text, tt.wantText)
			}
			if f.ViaAttachment {
				t.Error("ViaAttachment = true")
			}
		})
	}
}

func TestDetectForwardFromAttachedMessage(t *testing.T) {
	raw := "From: Agen Satu <agen1@kemsos.go.id>\r\nTo: helpdesk@kemsos.go.id\r\nSubject: keluhan terlampir\r\n" +
		"Content-Type: multipart/mixed; boundary=b1\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain\r\n\r\nLihat lampiran.\r\n" +
		"--b1\r\nContent-Type: message/rfc822\r\n\r\n" +
		"From: =?utf-8?Q?Siti_Aminah?= <Siti@Example.COM>\r\nSubject: Bantuan belum cair\r\nDate: Mon, 3 Mar 2025 09:12:00 +0700\r\n" +
		"Message-ID: <orig-1@example.com>\r\n\r\nBantuan saya belum cair.\r\n" +
		"--b1--\r\n"
	m := Parse([]byte(raw), Limits{})
	f := m.Forward
	if f == nil {
		t.Fatal("Forward = nil")
	}
	want := Forward{From: Address{Name: "Siti Aminah", Email: "siti@example.com"}, Subject: "Bantuan belum cair",
		Date: "Mon, 3 Mar 2025 09:12:00 +0700", Text: "Bantuan saya belum cair.", ViaAttachment: true}
	if *f != want {
		t.Errorf("Forward = %+v, want %+v", *f, want)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "Bantuan belum cair.eml" || m.Attachments[0].ContentType != "message/rfc822" {
		t.Errorf("Attachments = %+v", m.Attachments)
	}
	if m.Text != "Lihat lampiran." {
		t.Errorf("Text = %q", m.Text)
	}
}

func TestDetectForwardSubjectWithoutSenderGivesEmptyFrom(t *testing.T) {
	m := Parse(agentMail("Fwd: tolong cek", "Ada warga menelepon soal ini."), Limits{})
	if m.Forward == nil {
		t.Fatal("Forward = nil")
	}
	if m.Forward.From != (Address{}) {
		t.Errorf("From = %+v, want empty", m.Forward.From)
	}
	if m.Forward.Subject != "tolong cek" {
		t.Errorf("Subject = %q", m.Forward.Subject)
	}
}

func TestOrdinaryMailIsNotAForward(t *testing.T) {
	m := Parse(agentMail("Pertanyaan", "From: saya sendiri\nSaya mau tanya."), Limits{})
	if m.Forward != nil {
		t.Errorf("Forward = %+v, want nil", m.Forward)
	}
}
