package main

// Indonesian complaint text, generated deterministically. The words matter:
// full-text search cost depends on how often a term occurs, so program
// names are common, places medium, person names rare and NIKs unique, as
// in the real mailbox the manual describes.

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

var firstNames = []string{
	"Siti", "Budi", "Agus", "Dewi", "Sri", "Ahmad", "Muhammad", "Nur", "Rina", "Yuni",
	"Eko", "Joko", "Wahyu", "Putri", "Indah", "Rudi", "Hendra", "Fitri", "Lestari", "Dedi",
	"Andi", "Bambang", "Suharti", "Sukarni", "Ratna", "Wati", "Yusuf", "Rahmat", "Hasan", "Aminah",
	"Ani", "Tono", "Slamet", "Suparman", "Kartini", "Nurhayati", "Susanti", "Fajar", "Rizki", "Dian",
	"Samsul", "Mulyadi", "Sumarni", "Rohmah", "Imam", "Teguh", "Endang", "Supriyadi", "Yanti", "Ilham",
}

var lastNames = []string{
	"Rahayu", "Santoso", "Wijaya", "Saputra", "Hidayat", "Kurniawan", "Setiawan", "Pratama", "Nugroho", "Wibowo",
	"Susanto", "Purnomo", "Siregar", "Nasution", "Harahap", "Simanjuntak", "Sitompul", "Tanjung", "Lubis", "Hutapea",
	"Gunawan", "Halim", "Syahputra", "Maulana", "Ramadhan", "Firmansyah", "Hakim", "Sulistyo", "Permana", "Kusuma",
	"Utami", "Handayani", "Suryani", "Wulandari", "Anggraini", "Prasetyo", "Hartono", "Suwarno", "Basri", "Latif",
	"Manurung", "Pangaribuan", "Daulay", "Pohan", "Tambunan", "Sinaga", "Munthe", "Ginting", "Tarigan", "Sembiring",
}

var regencies = []string{
	"Garut", "Tasikmalaya", "Cianjur", "Bogor", "Bekasi", "Karawang", "Subang", "Indramayu", "Cirebon", "Kuningan",
	"Majalengka", "Sumedang", "Bandung", "Banyumas", "Cilacap", "Kebumen", "Purworejo", "Magelang", "Boyolali", "Klaten",
	"Sukoharjo", "Wonogiri", "Sragen", "Grobogan", "Blora", "Rembang", "Pati", "Kudus", "Jepara", "Demak",
	"Semarang", "Kendal", "Batang", "Pekalongan", "Pemalang", "Tegal", "Brebes", "Pacitan", "Ponorogo", "Trenggalek",
	"Tulungagung", "Blitar", "Kediri", "Malang", "Lumajang", "Jember", "Banyuwangi", "Bondowoso", "Situbondo", "Probolinggo",
	"Pasuruan", "Sidoarjo", "Mojokerto", "Jombang", "Nganjuk", "Madiun", "Magetan", "Ngawi", "Bojonegoro", "Tuban",
	"Lamongan", "Gresik", "Bangkalan", "Sampang", "Pamekasan", "Sumenep", "Bima", "Kupang", "Sikka", "Ende",
	"Manggarai", "Langkat", "Asahan", "Simalungun", "Dairi", "Agam", "Solok", "Kampar", "Bengkalis", "Gowa",
	"Bone", "Maros", "Pinrang", "Minahasa", "Banjar", "Sambas", "Merauke", "Jayapura", "Pandeglang", "Lebak",
	"Serang", "Tangerang", "Purwakarta", "Sukabumi", "Ciamis", "Pangandaran", "Wonosobo", "Temanggung", "Kendari", "Muna",
}

var districts = []string{
	"Cibodas", "Sukamaju", "Mekarsari", "Sukajadi", "Karangrejo", "Sidomulyo", "Tegalsari", "Margahayu", "Cikalong", "Pasirjaya",
	"Wonorejo", "Sumbersari", "Kebonagung", "Tanjungsari", "Sindangsari", "Banjarsari", "Jatiwangi", "Mulyorejo", "Bojongsari", "Pagerwojo",
}

// programs are the topics citizens write about; each is common.
var programs = []string{"PKH", "BPNT", "BST", "KIS", "DTKS", "SIKS-NG", "KKS", "PBI JK", "BLT", "Sembako"}

var months = []string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"}

var greetings = []string{
	"Selamat pagi Bapak/Ibu petugas helpdesk Kemensos.",
	"Assalamualaikum Bapak/Ibu.",
	"Selamat siang, Bapak/Ibu yang saya hormati.",
	"Yth. Admin Pusdatin Kementerian Sosial,",
	"Dengan hormat,",
	"Selamat sore Bapak/Ibu.",
}

var closings = []string{
	"Atas perhatian dan bantuannya saya ucapkan terima kasih.",
	"Mohon segera ditindaklanjuti. Terima kasih.",
	"Terima kasih, semoga Bapak/Ibu sehat selalu.",
	"Demikian pengaduan ini saya sampaikan, terima kasih.",
	"Mohon balasannya secepatnya.",
}

// complaintSentences are filled with {N} name, {K} regency, {D} district,
// {P} program, {M} month, {Y} year, {I} NIK, {R} amount.
var complaintSentences = []string{
	"Saya {N} dari Desa {D}, Kabupaten {K}.",
	"Saya ingin menanyakan status bantuan {P} untuk keluarga saya.",
	"Nama saya sudah terdaftar di DTKS sejak tahun {Y} tetapi sampai sekarang belum menerima bantuan {P}.",
	"NIK saya {I}, mohon dicek apakah masih terdaftar sebagai penerima {P}.",
	"Dana bantuan {P} bulan {M} belum masuk ke rekening saya padahal tetangga sudah menerima.",
	"Kartu KKS saya hilang, bagaimana cara mengurus penggantinya di Kabupaten {K}?",
	"Aplikasi SIKS-NG tidak bisa login sejak kemarin, selalu muncul pesan kesalahan server.",
	"Petugas pendamping {P} di Desa {D} tidak bisa dihubungi sejak bulan {M}.",
	"Bagaimana prosedur pengusulan warga miskin baru ke dalam DTKS melalui dinas sosial Kabupaten {K}?",
	"Jumlah yang saya terima hanya Rp {R}, tidak sesuai dengan yang diumumkan.",
	"Data anggota keluarga saya di DTKS tidak sesuai dengan kartu keluarga terbaru.",
	"Orang tua saya sudah meninggal tetapi namanya masih tercantum sebagai penerima {P}.",
	"Kuota email kemsos kantor kami sudah penuh, mohon penambahan kuota untuk operator Kabupaten {K}.",
	"Jaringan internet di kantor dinas sosial Kabupaten {K} sangat lambat sejak bulan {M}.",
	"Saya operator SIKS-NG Kabupaten {K}, proses finalisasi data gagal terus sejak tanggal 12 {M}.",
	"Mohon informasi jadwal penyaluran {P} tahap berikutnya untuk wilayah Kecamatan {D}.",
	"Rekening bank penerima {P} atas nama {N} diblokir, bagaimana solusinya?",
	"Kami sekeluarga termasuk keluarga tidak mampu, suami saya buruh harian lepas di {K}.",
	"Sudah tiga kali saya datang ke kantor desa {D} tetapi belum ada kejelasan.",
	"Berkas persyaratan sudah saya lampirkan dalam surel ini, mohon diperiksa.",
}

var responseSentences = []string{
	"Terima kasih telah menghubungi helpdesk Kementerian Sosial.",
	"Data dengan NIK tersebut sudah kami periksa di DTKS dan statusnya masih aktif.",
	"Silakan menghubungi dinas sosial Kabupaten {K} untuk proses verifikasi dan validasi data.",
	"Penyaluran bantuan {P} tahap berikutnya dijadwalkan pada bulan {M}.",
	"Untuk penggantian kartu KKS silakan membawa KTP dan kartu keluarga ke bank penyalur.",
	"Kendala login SIKS-NG sudah kami teruskan ke tim pengembang aplikasi.",
	"Kuota email sudah kami tambahkan, silakan dicoba kembali.",
	"Mohon kirimkan foto KTP dan kartu keluarga agar dapat kami tindak lanjuti.",
	"Pengaduan Anda sudah kami catat dan akan diteruskan ke unit terkait.",
	"Apabila masih ada kendala silakan membalas surel ini dengan menyertakan nomor tiket.",
}

var replySentences = []string{
	"Terima kasih atas tanggapannya, tetapi sampai hari ini bantuan {P} belum juga cair.",
	"Berikut saya lampirkan foto KTP dan kartu keluarga sesuai permintaan.",
	"Saya sudah ke dinas sosial Kabupaten {K} tetapi disuruh menghubungi pusat lagi.",
	"Masalah login SIKS-NG masih terjadi, mohon dibantu kembali.",
	"Baik, terima kasih banyak atas penjelasannya.",
	"Mohon maaf, NIK yang benar adalah {I}.",
	"Apakah ada nomor telepon yang bisa saya hubungi?",
}

// latinSentences carry characters outside ASCII that iso-8859-1 and
// windows-1252 can hold, so the charset decoders do real work.
var latinSentences = []string{
	"Jarak rumah saya ke kantor desa ± 5 km dan jalannya rusak.",
	"Anak saya demam 39°C sejak kemarin dan kami butuh KIS yang aktif.",
	"Berkas sudah saya kirim ½ bulan yang lalu ke kantor kecamatan.",
	"Saya tinggal di Gang Café nomor 12, dekat pasar.",
}

var cp1252Sentences = []string{
	"Petugas hanya bilang “sabar saja” – padahal sudah 3 bulan menunggu.",
	"Kata pendamping: ‘datanya sedang diproses’… tetapi tidak ada kabar.",
}

var subjects = []string{
	"Bantuan {P} belum cair",
	"Pertanyaan status {P}",
	"Pengaduan data DTKS Kabupaten {K}",
	"Kartu KKS hilang",
	"Tidak bisa login SIKS-NG",
	"Permohonan penambahan kuota email kemsos",
	"Jaringan internet lambat di Dinsos {K}",
	"Usulan warga miskin baru Desa {D}",
	"Penerima {P} sudah meninggal",
	"Rekening {P} diblokir",
	"Jadwal penyaluran {P} tahap berikutnya",
	"Data keluarga tidak sesuai di DTKS",
}

// textGen fills templates from one random stream.
type textGen struct{ r *rand.Rand }

func newTextGen(seed, stream uint64) textGen {
	return textGen{r: rand.New(rand.NewPCG(seed, stream))}
}

func (g textGen) pick(ss []string) string { return ss[g.r.IntN(len(ss))] }

func (g textGen) name() string { return g.pick(firstNames) + " " + g.pick(lastNames) }

// nik is a 16-digit Indonesian identity number: unique enough that a
// search for one finds a single ticket.
func (g textGen) nik() string {
	return fmt.Sprintf("%02d%02d%02d%02d%02d%02d%04d", 11+g.r.IntN(80), 1+g.r.IntN(70), 1+g.r.IntN(40),
		1+g.r.IntN(28), 1+g.r.IntN(12), g.r.IntN(100), g.r.IntN(10000))
}

// fill replaces the placeholders; name and regency stay fixed within one
// text so that a letter talks about one family in one place. (A
// strings.Replacer per call would dominate the seed's CPU time.)
func (g textGen) fill(s, name, regency string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 32)
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 || i+2 >= len(s) || s[i+2] != '}' {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		switch s[i+1] {
		case 'N':
			b.WriteString(name)
		case 'K':
			b.WriteString(regency)
		case 'D':
			b.WriteString(g.pick(districts))
		case 'P':
			b.WriteString(g.pick(programs))
		case 'M':
			b.WriteString(g.pick(months))
		case 'Y':
			b.WriteString(strconv.Itoa(2015 + g.r.IntN(10)))
		case 'I':
			b.WriteString(g.nik())
		case 'R':
			b.WriteString(strconv.Itoa(150+50*g.r.IntN(12)) + ".000")
		}
		s = s[i+3:]
	}
}

func (g textGen) subject(regency string) string {
	return g.fill(g.pick(subjects), "", regency)
}

// complaint is a citizen's letter of lo to hi sentences.
func (g textGen) complaint(name, regency string, lo, hi int, extra []string) string {
	var b strings.Builder
	b.WriteString(g.pick(greetings))
	b.WriteString("\n\n")
	n := lo + g.r.IntN(hi-lo+1)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.fill(g.pick(complaintSentences), name, regency))
	}
	for _, e := range extra {
		b.WriteByte(' ')
		b.WriteString(e)
	}
	b.WriteString("\n\n")
	b.WriteString(g.pick(closings))
	b.WriteString("\n\nHormat saya,\n")
	b.WriteString(name)
	b.WriteString("\n")
	return b.String()
}

func (g textGen) sentences(pool []string, n int, name, regency string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.fill(g.pick(pool), name, regency))
	}
	return b.String()
}

func (g textGen) response(agent, regency string) string {
	return "Yth. Bapak/Ibu,\n\n" + g.sentences(responseSentences, 2+g.r.IntN(3), "", regency) + "\n\nSalam,\n" + agent + "\nHelpdesk Kemensos\n"
}

func (g textGen) reply(name, regency string) string {
	return g.sentences(replySentences, 1+g.r.IntN(3), name, regency) + "\n\n" + name + "\n"
}

// emailOf makes a plausible citizen address for a name and a number.
func emailOf(name string, n int) string {
	domains := []string{"gmail.com", "yahoo.co.id", "yahoo.com", "ymail.com", "outlook.com", "gmail.com", "gmail.com"}
	local := strings.ToLower(strings.ReplaceAll(name, " ", "."))
	return fmt.Sprintf("%s%d@%s", local, n, domains[n%len(domains)])
}
