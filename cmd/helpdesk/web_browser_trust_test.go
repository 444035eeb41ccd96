package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebBrowserAgentSeesWhatEachMailProved: an agent opens a ticket where
// a forged mail in his name became an unverified note, sees each entry's
// verdict, then finds a forged forward in "Mail not filed" and makes a
// ticket of it; at desktop and phone width.
func TestWebBrowserAgentSeesWhatEachMailProved(t *testing.T) {
	c := newChrome(t)
	e := newAttackEnv(t)
	tk, auto := e.citizenTicket()
	e.send(e.letter("Belum cair juga, Pak.", "From: siti@desa.example", "Subject: Re: [#"+tk.Number+"] Bantuan PKH belum cair",
		"In-Reply-To: <"+auto.messageID+">"))
	e.send(e.letter("Kirim PIN ATM Anda ke 0812-0000-0000.", "From: budi@kemsos.go.id", "Subject: Re: [#"+tk.Number+"] Bantuan PKH belum cair"))
	e.send(e.letter("---------- Pesan terusan ----------\nDari: Kepala Desa <kades@desa.example>\nSubjek: Data DTKS desa\n\nMohon dicek data desa kami.",
		"From: Budi <budi@kemsos.go.id>", "Subject: Fwd: Data DTKS desa"))
	base := e.http.URL
	c.signInAgent(base, "budi@kemsos.go.id", "agen-rahasia-1")

	c.do("ticket", chromedp.Navigate(base+"/agent/tickets/"+tk.Number))
	c.waitFor("ticket page", hasText("Balasan atas email kami"))
	body := c.text()
	for _, want := range []string{"Balasan atas email kami", "Tidak terverifikasi", "Unverified mail from budi@kemsos.go.id", "no DKIM signature"} {
		if !strings.Contains(body, want) {
			t.Errorf("the ticket page lacks %q", want)
		}
	}
	c.shot("trust-01-tiket-verifikasi")
	c.do("phone", chromedp.EmulateViewport(390, 844))
	c.shot("trust-02-tiket-ponsel")
	c.do("desktop", chromedp.EmulateViewport(1280, 900))

	c.do("mail not filed", chromedp.Click(css(`nav a[href="/agent/mail"]`)))
	c.waitFor("list", hasText("Email yang tidak menjadi tiket")+" && "+hasText("Data DTKS desa"))
	c.shot("trust-03-email-tidak-diproses")
	c.do("open it", chromedp.Click(css(`table.mail a`)))
	c.waitFor("mail view", hasText("Jadikan tiket"))
	c.shot("trust-04-email")
	c.do("file it", chromedp.Click(css(`form[action$="/ticket"] button`)))
	c.waitFor("ticket from the mail", hasText("Email telah dijadikan tiket."))
	c.shot("trust-05-jadi-tiket")
	if body := c.text(); !strings.Contains(body, "kades@desa.example") || !strings.Contains(body, "Data DTKS desa") {
		t.Errorf("the forwarded letter did not become the original sender's ticket:\n%s", body)
	}
}
