package main

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kemsos/helpdesk/tickets"
)

// messages is the translation table: every user-facing string of the web
// pages, Indonesian first (the default) and English. A test checks that
// every key the templates and handlers use is here in both.
var messages = map[string][2]string{
	"site.name":   {"Helpdesk Pusdatin Kemsos", "Helpdesk Pusdatin Kemsos"},
	"site.footer": {"Kementerian Sosial Republik Indonesia · Pusat Data dan Informasi Kesejahteraan Sosial", "Ministry of Social Affairs of the Republic of Indonesia · Centre for Social Welfare Data and Information"},

	"nav.skip":        {"Langsung ke isi", "Skip to content"},
	"nav.label":       {"Navigasi utama", "Main navigation"},
	"nav.panel":       {"Panel Petugas", "Agent Panel"},
	"nav.queue":       {"Antrean Tiket", "Ticket Queue"},
	"nav.admin":       {"Administrasi", "Administration"},
	"nav.mytickets":   {"Tiket Saya", "My Tickets"},
	"nav.newticket":   {"Buka Tiket Baru", "Open a New Ticket"},
	"nav.signin":      {"Masuk", "Sign In"},
	"nav.register":    {"Daftar", "Register"},
	"nav.signout":     {"Keluar", "Sign Out"},
	"nav.account":     {"Akun Saya", "My Account"},
	"form.cancel":     {"Batal", "Cancel"},
	"form.fix":        {"Ada isian yang perlu diperbaiki; lihat pesan di bawah setiap kolom.", "Some fields need correcting; see the message under each one."},
	"pager.label":     {"Halaman", "Pages"},
	"pager.prev":      {"‹ Sebelumnya", "‹ Previous"},
	"pager.next":      {"Berikutnya ›", "Next ›"},
	"thread.system":   {"Sistem", "System"},
	"thread.note":     {"Catatan internal", "Internal note"},
	"thread.response": {"Tanggapan petugas", "Agent response"},
	"thread.posted":   {"menulis", "posted"},

	"landing.title":      {"Beranda", "Home"},
	"landing.heading":    {"Selamat datang di Helpdesk Pusdatin Kemsos", "Welcome to the Pusdatin Kemsos Helpdesk"},
	"landing.intro":      {"Sampaikan pengaduan atau pertanyaan Anda kepada Kementerian Sosial. Setiap pengaduan mendapat nomor tiket dan ditangani paling lambat 2 × 24 jam.", "Send your complaint or question to the Ministry of Social Affairs. Every complaint gets a ticket number and is handled within 2 × 24 hours."},
	"landing.open_h":     {"Buka Tiket Baru", "Open a New Ticket"},
	"landing.open_p":     {"Masuk terlebih dahulu, lalu isi formulir pengaduan dan lampirkan dokumen pendukung.", "Sign in first, then fill in the form and attach supporting documents."},
	"landing.open_btn":   {"Buka Tiket Baru", "Open a New Ticket"},
	"landing.status_h":   {"Cek Status Tiket", "Check Ticket Status"},
	"landing.status_p":   {"Lihat perkembangan pengaduan yang pernah Anda kirim, lewat web maupun email.", "Follow the complaints you sent, by web or by email."},
	"landing.status_btn": {"Tiket Saya", "My Tickets"},
	"landing.welcome":    {"Selamat datang, %s", "Welcome, %s"},

	"login.title":       {"Masuk", "Sign In"},
	"login.heading":     {"Masuk ke Helpdesk Pusdatin Kemsos", "Sign in to Helpdesk Pusdatin Kemsos"},
	"login.intro":       {"Untuk melayani Anda dengan lebih baik, kami mengharapkan Anda untuk mendaftar.", "To serve you better, we ask you to register."},
	"login.login":       {"Email atau nama pengguna", "Email or username"},
	"login.password":    {"Kata sandi", "Password"},
	"login.submit":      {"Masuk", "Sign In"},
	"login.forgot":      {"Lupa kata sandi?", "Forgot your password?"},
	"login.noaccount":   {"Belum terdaftar?", "Not yet registered?"},
	"login.create":      {"Buat akun", "Create an account"},
	"login.agent":       {"Saya petugas —", "I'm an agent —"},
	"login.agent_link":  {"masuk di sini", "sign in here"},
	"login.failed":      {"Email/nama pengguna atau kata sandi salah.", "Incorrect email/username or password."},
	"login.unconfirmed": {"Akun Anda belum dikonfirmasi. Buka tautan konfirmasi yang kami kirim ke email Anda.", "Your account is not confirmed yet. Open the confirmation link we sent to your email."},

	"agent_login.title":   {"Masuk Petugas", "Agent Sign In"},
	"agent_login.heading": {"Masuk sebagai petugas helpdesk", "Sign in as a helpdesk agent"},
	"agent_login.email":   {"Email petugas", "Agent email"},
	"agent_login.citizen": {"Bukan petugas? Masuk sebagai pengguna", "Not an agent? Sign in as a user"},

	"register.title":       {"Pendaftaran Akun", "Account Registration"},
	"register.heading":     {"Pendaftaran Akun", "Account Registration"},
	"register.intro":       {"Isi formulir berikut untuk membuat akun. Kolom bertanda * wajib diisi.", "Use the form below to create your account. Fields marked * are required."},
	"register.user_info":   {"Informasi Pengguna", "User Information"},
	"register.email":       {"Alamat email", "Email address"},
	"register.name":        {"Nama lengkap", "Full name"},
	"register.address":     {"Alamat", "Address"},
	"register.phone":       {"Nomor telepon", "Phone number"},
	"register.prefs":       {"Preferensi", "Preferences"},
	"register.timezone":    {"Zona waktu", "Time zone"},
	"register.credentials": {"Kata Sandi Akun", "Access Credentials"},
	"register.password":    {"Buat kata sandi (minimal 8 karakter)", "Create a password (at least 8 characters)"},
	"register.confirm":     {"Ulangi kata sandi", "Confirm the password"},
	"register.submit":      {"Daftar", "Register"},

	"register_done.title":   {"Periksa Email Anda", "Check Your Email"},
	"register_done.heading": {"Pendaftaran berhasil — periksa email Anda", "Registration received — check your email"},
	"register_done.p1":      {"Kami telah mengirim tautan konfirmasi ke alamat email yang Anda daftarkan. Buka email tersebut dan klik tautannya untuk mengaktifkan akun.", "We sent a confirmation link to the address you registered. Open that email and click the link to activate your account."},
	"register_done.p2":      {"Tautan berlaku 48 jam. Jika email tidak ada di kotak masuk, periksa folder spam.", "The link works for 48 hours. If the email is not in your inbox, check the spam folder."},

	"confirm.title": {"Konfirmasi Akun", "Account Confirmation"},
	"confirm.ok_h":  {"Akun Anda sudah aktif", "Your account is active"},
	"confirm.ok_p":  {"Terima kasih. Silakan masuk untuk mengajukan pengaduan atau pertanyaan.", "Thank you. Please sign in to send a complaint or question."},
	"confirm.bad_h": {"Tautan tidak berlaku", "This link does not work"},
	"confirm.bad_p": {"Tautan konfirmasi ini sudah kedaluwarsa atau sudah dipakai. Daftar ulang untuk menerima tautan baru.", "This confirmation link has expired or was already used. Register again to receive a new one."},

	// Confirmation asks again for the password chosen at registration.
	"confirm.form_h":         {"Aktifkan akun Anda", "Activate your account"},
	"confirm.form_p":         {"Akun baru aktif setelah Anda memasukkan di sini kata sandi yang Anda buat saat mendaftar.", "The account becomes active only once you enter here the password you chose when registering."},
	"confirm.password":       {"Kata sandi yang dibuat saat mendaftar", "The password chosen at registration"},
	"confirm.submit":         {"Aktifkan akun", "Activate the account"},
	"confirm.not_me":         {"Bukan Anda yang mendaftar? Tutup saja halaman ini; tidak ada yang berubah. Lupa kata sandinya? Daftar lagi dengan alamat ini untuk menerima tautan baru.", "You did not register? Just close this page; nothing changes. Forgot the password? Register again with this address to receive a new link."},
	"confirm.wrong_password": {"Kata sandi ini tidak sama dengan yang dibuat saat pendaftaran.", "This is not the password chosen at registration."},

	"forgot.title":   {"Lupa Kata Sandi", "Forgotten Password"},
	"forgot.heading": {"Lupa kata sandi", "Forgotten password"},
	"forgot.intro":   {"Masukkan alamat email akun Anda. Kami akan mengirim tautan untuk membuat kata sandi baru.", "Enter your account's email address. We will send you a link to choose a new password."},
	"forgot.submit":  {"Kirim tautan", "Send the link"},
	"forgot.sent":    {"Jika alamat tersebut terdaftar, kami telah mengirim tautan untuk mengganti kata sandi. Tautan berlaku 2 jam.", "If that address has an account, we have sent it a link to reset the password. The link works for 2 hours."},

	"reset.title":    {"Kata Sandi Baru", "New Password"},
	"reset.heading":  {"Buat kata sandi baru", "Choose a new password"},
	"reset.password": {"Kata sandi baru (minimal 8 karakter)", "New password (at least 8 characters)"},
	"reset.submit":   {"Simpan kata sandi", "Save the password"},
	"reset.invalid":  {"Tautan ini sudah kedaluwarsa atau sudah dipakai.", "This link has expired or was already used."},

	"account.title":         {"Akun Saya", "My Account"},
	"account.profile":       {"Profil", "Profile"},
	"account.save":          {"Simpan profil", "Save the profile"},
	"account.saved_profile": {"Profil Anda sudah disimpan.", "Your profile has been saved."},
	"account.password":      {"Ganti kata sandi", "Change the password"},
	"account.password_note": {"Setelah kata sandi diganti, sesi Anda di perangkat lain akan keluar.", "Once the password is changed, you are signed out on every other device."},
	"account.current":       {"Kata sandi saat ini", "Current password"},
	"account.change":        {"Ganti kata sandi", "Change the password"},
	"account.saved_pass":    {"Kata sandi Anda sudah diganti.", "Your password has been changed."},
	"account.email_note":    {"Alamat email tidak dapat diubah di sini: tiket dan balasan Anda terikat padanya.", "The email address cannot be changed here: your tickets and replies are tied to it."},

	"mytickets.title":   {"Tiket Saya", "My Tickets"},
	"mytickets.heading": {"Tiket Saya", "My Tickets"},
	"mytickets.none":    {"Anda belum memiliki tiket.", "You have no tickets yet."},

	"newticket.title":      {"Buka Tiket Baru", "Open a New Ticket"},
	"newticket.heading":    {"Buka Tiket Baru", "Open a New Ticket"},
	"newticket.intro":      {"Silakan isi formulir di bawah ini untuk membuka tiket baru.", "Please fill in the form below to open a new ticket."},
	"newticket.client":     {"Nama", "Client"},
	"newticket.topic":      {"Topik bantuan", "Help Topic"},
	"newticket.topic_pick": {"— Pilih topik —", "— Select a help topic —"},
	"newticket.details":    {"Rincian Tiket", "Ticket Details"},
	"newticket.describe":   {"Jelaskan masalah atau pertanyaan Anda secara rinci.", "Please describe your issue in detail."},
	"newticket.summary":    {"Ringkasan masalah", "Issue Summary"},
	"newticket.message":    {"Uraian", "Details"},
	"newticket.submit":     {"Buat Tiket", "Create Ticket"},
	"newticket.refile":     {"Berkas lampiran tidak ikut tersimpan: pilih lagi berkasnya sebelum mengirim.", "Attached files were not kept: please choose them again before sending."},

	"files.label":  {"Lampiran", "Attachments"},
	"files.choose": {"Pilih berkas", "Choose files"},
	"files.drop":   {"atau seret berkas ke sini", "or drop files here"},
	"files.remove": {"Hapus", "Remove"},
	"files.hint":   {"Dokumen (PDF, Word, Excel, PowerPoint, ODF, teks) atau gambar (JPG, PNG, GIF, WebP), ZIP. Maksimal %d MB per berkas, %d MB total, %d berkas.", "Documents (PDF, Word, Excel, PowerPoint, ODF, text) or images (JPG, PNG, GIF, WebP), ZIP. At most %d MB per file, %d MB in total, %d files."},

	"upload.type":     {"Jenis berkas %q tidak diterima. Kirim dokumen atau gambar.", "The file %q is not an accepted type. Please send a document or an image."},
	"upload.size":     {"Berkas %q melebihi %d MB.", "The file %q is larger than %d MB."},
	"upload.total":    {"Ukuran seluruh lampiran melebihi %d MB.", "All attachments together are larger than %d MB."},
	"upload.too_many": {"Paling banyak %d berkas.", "At most %d files."},

	"ticket.title":         {"Tiket", "Ticket"},
	"ticket.heading":       {"Tiket #%s", "Ticket #%s"},
	"ticket.created":       {"Tanggal dibuat", "Create Date"},
	"ticket.due":           {"Batas waktu", "Due Date"},
	"ticket.name":          {"Nama", "Name"},
	"ticket.reply_h":       {"Kirim balasan", "Post a reply"},
	"ticket.reply_label":   {"Balasan Anda", "Your reply"},
	"ticket.reply_submit":  {"Kirim Balasan", "Post Reply"},
	"ticket.reply_reopens": {"Tiket ini sudah selesai; balasan Anda akan membukanya kembali.", "This ticket is finished; your reply will reopen it."},

	"col.number":     {"Nomor", "Number"},
	"col.status":     {"Status", "Status"},
	"col.subject":    {"Perihal", "Subject"},
	"col.updated":    {"Terakhir diperbarui", "Last Updated"},
	"col.from":       {"Dari", "From"},
	"col.priority":   {"Prioritas", "Priority"},
	"col.department": {"Bagian", "Department"},

	"status.open":        {"Terbuka", "Open"},
	"status.resolved":    {"Terselesaikan", "Resolved"},
	"status.closed":      {"Ditutup", "Closed"},
	"priority.low":       {"Rendah", "Low"},
	"priority.normal":    {"Normal", "Normal"},
	"priority.high":      {"Tinggi", "High"},
	"priority.emergency": {"Darurat", "Emergency"},
	"source.web":         {"web", "web"},
	"source.email":       {"email", "email"},
	"source.api":         {"API", "API"},

	"ev.created":           {"Tiket dibuat oleh %s (lewat %s)", "Ticket created by %s (via %s)"},
	"ev.created_forwarded": {"Tiket dibuat dari surat yang diteruskan oleh %s", "Ticket created from a letter forwarded by %s"},
	"ev.claimed":           {"%s mengklaim tiket ini", "%s claimed the ticket"},
	"ev.assigned":          {"%s menugaskan tiket kepada %s", "%s assigned the ticket to %s"},
	"ev.released":          {"%s melepas penugasan tiket", "%s released the assignment"},
	"ev.status":            {"%s mengubah status dari %s menjadi %s", "%s changed the status from %s to %s"},
	"ev.reopened":          {"Tiket dibuka kembali oleh balasan %s", "Ticket reopened by %s's reply"},
	"ev.priority":          {"%s mengubah prioritas dari %s menjadi %s", "%s changed the priority from %s to %s"},
	"ev.transferred":       {"%s mentransfer tiket dari %s ke %s: %s", "%s transferred the ticket from %s to %s: %s"},
	"ev.overdue":           {"Tiket melewati batas waktu", "Ticket marked overdue"},

	"queue.title":           {"Antrean Tiket", "Ticket Queue"},
	"queue.heading":         {"Antrean Tiket", "Ticket Queue"},
	"queue.tabs":            {"Tampilan antrean", "Queue views"},
	"queue.search":          {"Cari: nomor, kata, nama, email, telepon", "Search: number, words, name, email, phone"},
	"queue.all_departments": {"Semua bagian", "All departments"},
	"queue.all_topics":      {"Semua topik", "All topics"},
	"queue.filter":          {"Terapkan", "Apply"},
	"queue.empty":           {"Tidak ada tiket di sini.", "No tickets here."},
	"queue.overdue":         {"Terlambat", "Overdue"},
	"tab.open":              {"Terbuka", "Open"},
	"tab.mine":              {"Tiket Saya", "My Tickets"},
	"tab.unassigned":        {"Belum Ditugaskan", "Unassigned"},
	"tab.overdue":           {"Terlambat", "Overdue"},
	"tab.resolved":          {"Terselesaikan", "Resolved"},
	"tab.closed":            {"Ditutup", "Closed"},

	"aticket.title":         {"Tiket", "Ticket"},
	"aticket.claim":         {"Klaim", "Claim"},
	"aticket.transfer":      {"Transfer", "Transfer"},
	"aticket.assigned":      {"Ditugaskan kepada", "Assigned To"},
	"aticket.unassigned":    {"Belum ditugaskan", "Unassigned"},
	"aticket.sla":           {"Paket SLA", "SLA Plan"},
	"aticket.last_message":  {"Pesan terakhir", "Last Message"},
	"aticket.last_response": {"Tanggapan terakhir", "Last Response"},
	"aticket.assign_to":     {"Tugaskan kepada", "Assign to"},
	"aticket.assign":        {"Tugaskan", "Assign"},
	"aticket.set_status":    {"Ubah status", "Change status"},
	"aticket.set_priority":  {"Ubah prioritas", "Change priority"},
	"aticket.respond_h":     {"Tanggapi", "Post a response"},
	"aticket.response":      {"Tanggapan (dikirim ke pelapor)", "Response (sent to the user)"},
	"aticket.status_after":  {"Status tiket setelah menanggapi", "Ticket status after responding"},
	"aticket.status_keep":   {"— Tidak diubah —", "— Leave as is —"},
	"aticket.send_response": {"Kirim Tanggapan", "Post Response"},
	"aticket.note_h":        {"Catatan internal", "Internal note"},
	"aticket.note_hint":     {"Hanya terlihat oleh petugas; pelapor tidak diberi tahu.", "Seen by agents only; the user is not told."},
	"aticket.mail_problems": {"Email yang tidak terkirim", "Mail that did not go out"},
	"mailstatus.failed":     {"Gagal", "Failed"},
	"mailstatus.suppressed": {"Tidak dikirim", "Suppressed"},
	"mailstatus.queued":     {"Dicoba lagi", "Retrying"},
	"mailstatus.held":       {"Ditahan untuk ringkasan", "Held for a digest"},
	"mailstatus.digested":   {"Dikirim dalam ringkasan", "Sent in a digest"},
	"aticket.refers_to":     {"Merujuk ke tiket", "Refers to ticket"},
	"aticket.add_note":      {"Tambah Catatan", "Add Note"},

	// Trust: what was authenticated about a mail-born entry's sender.
	"auth.dmarc":      {"Terverifikasi (DMARC)", "Verified by DMARC"},
	"auth.dkim":       {"Terverifikasi (DKIM)", "Verified by DKIM"},
	"auth.possession": {"Balasan atas email kami", "Reply to a mail we sent"},
	"auth.none":       {"Tidak terverifikasi", "Not verified"},
	"auth.none_why":   {"Pengirim email ini tidak terverifikasi:", "The sender of this mail is not verified:"},

	// Mail not filed: stored mail that became no ticket.
	"nav.mail":           {"Email tidak diproses", "Mail not filed"},
	"mail.title":         {"Email tidak diproses", "Mail not filed"},
	"mail.heading":       {"Email yang tidak menjadi tiket", "Mail that became no ticket"},
	"mail.intro":         {"Setiap email yang diterima disimpan. Email di bawah ini tidak menjadi tiket, dengan alasannya; buka untuk membaca, atau jadikan tiket.", "Every mail received is kept. The mail below became no ticket, each with the reason; open one to read it, or make a ticket of it."},
	"mail.received":      {"Diterima", "Received"},
	"mail.why":           {"Alasan", "Why"},
	"mail.auth":          {"Verifikasi pengirim", "Sender verification"},
	"mail.empty":         {"Tidak ada email di sini.", "No mail here."},
	"mail.nosubject":     {"(tanpa subjek)", "(no subject)"},
	"mail.file":          {"Jadikan tiket", "Make a ticket of it"},
	"mail.file_hint":     {"Tiket dibuat atas nama pengirim (untuk surat terusan dari Anda sendiri: atas nama pengirim aslinya). Email otomatis tidak dibalas otomatis.", "The ticket is opened for the sender (for a letter you forwarded yourself: for its original sender). Automatic mail gets no autoresponse."},
	"mail.raw":           {"Unduh email asli", "Download the original"},
	"mail.content":       {"Isi email", "Content"},
	"mail.to":            {"Kepada", "To"},
	"mail.attachments":   {"Lampiran", "Attachments"},
	"mailout.":           {"Semua", "All"},
	"mailout.automatic":  {"Balasan otomatis", "Automatic replies"},
	"mailout.unverified": {"Tidak terverifikasi", "Not verified"},
	"mailout.refused":    {"Tanpa akses", "No access"},
	"mailout.bounce":     {"Laporan gagal kirim", "Delivery reports"},
	"mailout.ignored":    {"Email helpdesk sendiri", "The helpdesk's own mail"},
	"mailout.failed":     {"Tidak terbaca", "Unreadable"},
	"flash.mail_filed":   {"Email telah dijadikan tiket.", "The mail is now a ticket."},

	"transfer.title":      {"Transfer Tiket", "Transfer Ticket"},
	"transfer.heading":    {"Transfer Tiket #%s", "Transfer Ticket #%s"},
	"transfer.intro":      {"Tiket ini sekarang di bagian %s. Pilih bagian tujuan dan tuliskan alasannya; alasan tampil di riwayat tiket.", "This ticket is now in %s. Choose the department to send it to and say why; the reason is shown in the ticket's history."},
	"transfer.department": {"Bagian tujuan", "Department"},
	"transfer.pick":       {"— Pilih bagian —", "— Select a department —"},
	"transfer.reason":     {"Alasan transfer", "Reason for the transfer"},
	"transfer.submit":     {"Transfer", "Transfer"},

	"admin.agents":         {"Petugas", "Agents"},
	"admin.departments":    {"Bagian", "Departments"},
	"admin.topics":         {"Topik Bantuan", "Help Topics"},
	"admin.apikeys":        {"Kunci API", "API Keys"},
	"admin.flags":          {"Hak akses", "Access"},
	"admin.is_admin":       {"Admin", "Admin"},
	"admin.active":         {"Aktif", "Active"},
	"admin.new_password":   {"Kata sandi baru (kosongkan jika tetap)", "New password (leave empty to keep)"},
	"admin.save":           {"Simpan", "Save"},
	"admin.add":            {"Tambah", "Add"},
	"admin.add_agent":      {"Tambah petugas", "Add an agent"},
	"admin.add_department": {"Tambah bagian", "Add a department"},
	"admin.add_topic":      {"Tambah topik bantuan", "Add a help topic"},
	"admin.create_key":     {"Buat kunci API", "Create an API key"},
	"admin.create":         {"Buat", "Create"},
	"admin.key_once":       {"Kunci API baru — salin sekarang, kunci ini tidak akan ditampilkan lagi:", "New API key — copy it now, it will not be shown again:"},
	"admin.prefix":         {"Awalan", "Prefix"},
	"admin.last_used":      {"Terakhir dipakai", "Last used"},
	"admin.revoke":         {"Cabut", "Revoke"},
	"admin.revoked":        {"Dicabut", "Revoked"},

	"flash.signed_out":     {"Anda telah keluar.", "You have signed out."},
	"flash.password_reset": {"Kata sandi baru tersimpan. Silakan masuk.", "Your new password is saved. Please sign in."},
	"flash.ticket_opened":  {"Tiket Anda telah dibuat. Simpan nomor tiket ini; kami juga mengirimkannya lewat email.", "Your ticket has been created. Keep its number; we have also sent it by email."},
	"flash.reply_sent":     {"Balasan Anda terkirim.", "Your reply was posted."},
	"flash.claimed":        {"Tiket diklaim.", "Ticket claimed."},
	"flash.assigned":       {"Penugasan tiket diperbarui.", "Assignment updated."},
	"flash.responded":      {"Tanggapan terkirim.", "Response posted."},
	"flash.noted":          {"Catatan internal ditambahkan.", "Internal note added."},
	"flash.status":         {"Status tiket diperbarui.", "Status updated."},
	"flash.priority":       {"Prioritas tiket diperbarui.", "Priority updated."},
	"flash.transferred":    {"Tiket berhasil ditransfer.", "Ticket transferred."},
	"flash.conflict":       {"Tiket ini sudah diklaim petugas lain.", "Another agent has already claimed this ticket."},
	"flash.saved":          {"Tersimpan.", "Saved."},

	"err.title":         {"Maaf", "Sorry"},
	"err.home":          {"Kembali ke beranda", "Back to the start page"},
	"err.not_found":     {"Halaman atau tiket ini tidak ada, atau Anda tidak berhak melihatnya.", "This page or ticket does not exist, or you may not see it."},
	"err.forbidden":     {"Anda tidak berhak melakukan ini.", "You are not allowed to do this."},
	"err.conflict":      {"Perubahan ini bertabrakan dengan data yang ada.", "This change clashes with what is already there."},
	"err.bad_request":   {"Permintaan tidak dapat dibaca.", "The request could not be read."},
	"err.internal":      {"Terjadi kesalahan pada server. Silakan coba lagi sebentar lagi.", "Something went wrong on the server. Please try again shortly."},
	"err.csrf":          {"Formulir sudah kedaluwarsa atau tidak berasal dari situs ini. Muat ulang halaman lalu kirim lagi.", "The form has expired or did not come from this site. Reload the page and send it again."},
	"err.too_large":     {"Kiriman terlalu besar: seluruh lampiran paling banyak 25 MB. Kembali dan pilih berkas yang lebih kecil.", "The upload is too large: at most 25 MB of attachments in total. Go back and choose smaller files."},
	"err.rate":          {"Terlalu banyak percobaan. Silakan coba lagi dalam %d menit.", "Too many attempts. Please try again in %d minutes."},
	"err.signin_needed": {"Silakan masuk terlebih dahulu.", "Please sign in first."},
	"err.token":         {"Tautan ini tidak berlaku atau sudah kedaluwarsa.", "This link is not valid or has expired."},

	"val.topic":     {"Pilih topik bantuan.", "Please choose a help topic."},
	"val.duplicate": {"Nama ini sudah dipakai.", "This name is already in use."},
	"val.field":     {"Periksa kembali isian ini.", "Please check this field."},
}

// validationMessages maps the domain's English validation messages to
// translation keys, so a form shows them in the page's language.
var validationMessages = map[string]string{
	"a valid email address is required":                              "val.email",
	"a name is required":                                             "val.name",
	"an address is required":                                         "val.address",
	"a phone number is required":                                     "val.phone",
	"no such time zone":                                              "val.timezone",
	"at least 8 characters":                                          "val.password_short",
	"at most 256 characters":                                         "val.password_long",
	"the passwords do not match":                                     "val.confirm",
	"the current password is wrong":                                  "val.current",
	"the new password must differ from the current one":              "val.same_password",
	"not the password chosen at registration":                        "confirm.wrong_password",
	"a summary of the issue is required":                             "val.subject",
	"please describe the issue":                                      "val.message",
	"the message is empty":                                           "val.message_empty",
	"the text is too long":                                           "val.too_long",
	"no such help topic":                                             "val.topic",
	"a reason for the transfer is required":                          "val.reason",
	"no such department":                                             "val.department",
	"at least one department (or admin)":                             "val.need_department",
	"you cannot remove your own admin rights or deactivate yourself": "val.self_admin",
	"no such agent":                                                  "val.agent",
	"must be open, resolved or closed":                               "val.status",
	"must be low, normal, high or emergency":                         "val.priority",
}

func init() {
	for k, v := range map[string][2]string{
		"val.email":           {"Masukkan alamat email yang benar.", "Please enter a valid email address."},
		"val.name":            {"Nama wajib diisi.", "Please enter a name."},
		"val.address":         {"Alamat wajib diisi.", "Please enter your address."},
		"val.phone":           {"Masukkan nomor telepon yang benar, misalnya 081234567890.", "Please enter a valid phone number, e.g. 081234567890."},
		"val.timezone":        {"Zona waktu tidak dikenal.", "Unknown time zone."},
		"val.password_short":  {"Kata sandi minimal 8 karakter.", "The password needs at least 8 characters."},
		"val.password_long":   {"Kata sandi terlalu panjang.", "The password is too long."},
		"val.confirm":         {"Kedua kata sandi tidak sama.", "The two passwords do not match."},
		"val.current":         {"Kata sandi saat ini salah.", "The current password is wrong."},
		"val.same_password":   {"Kata sandi baru harus berbeda dari yang sekarang.", "The new password must differ from the current one."},
		"val.subject":         {"Ringkasan masalah wajib diisi.", "Please give a summary of the issue."},
		"val.message":         {"Jelaskan masalah Anda.", "Please describe the issue."},
		"val.message_empty":   {"Tulis pesan atau lampirkan berkas.", "Please write a message or attach a file."},
		"val.too_long":        {"Teks terlalu panjang.", "The text is too long."},
		"val.reason":          {"Alasan transfer wajib diisi.", "Please give a reason for the transfer."},
		"val.department":      {"Pilih bagian yang lain.", "Please choose another department."},
		"val.need_department": {"Pilih minimal satu bagian (atau jadikan admin).", "Choose at least one department (or make them admin)."},
		"val.self_admin":      {"Anda tidak dapat mencabut hak admin atau menonaktifkan akun Anda sendiri.", "You cannot remove your own admin rights or deactivate yourself."},
		"val.agent":           {"Petugas tidak ditemukan.", "No such agent."},
		"val.status":          {"Status tidak dikenal.", "Unknown status."},
		"val.priority":        {"Prioritas tidak dikenal.", "Unknown priority."},
		"val.subject_long":    {"Ringkasan terlalu panjang (maksimal 255 karakter).", "The summary is too long (at most 255 characters)."},
		"val.already_in":      {"Tiket sudah berada di bagian ini.", "The ticket is already in this department."},
		"val.cannot_work":     {"Petugas ini tidak menangani bagian tiket ini.", "This agent does not work this ticket's department."},
	} {
		messages[k] = v
	}
}

// Input checks of web, API and mail alike (one-line fields, the upload
// policy, search limits): keyed by the domain's message constants, so a
// change of wording there cannot silently lose the translation.
func init() {
	for msg, key := range map[string]string{
		tickets.MsgOneLine:         "val.one_line",
		tickets.MsgTooManyUploads:  "val.upload_count",
		tickets.MsgUploadTooLarge:  "val.upload_size",
		tickets.MsgUploadsTooLarge: "val.upload_total",
		tickets.MsgUploadType:      "val.upload_type",
		tickets.MsgSearchTooLong:   "val.search_long",
		tickets.MsgSearchInvalid:   "val.search_chars",
	} {
		validationMessages[msg] = key
	}
	for k, v := range map[string][2]string{
		"val.one_line":     {"Isian ini harus satu baris, tanpa baris baru atau karakter kontrol.", "This must be one line, without line breaks or control characters."},
		"val.upload_count": {fmt.Sprintf("Paling banyak %d berkas.", tickets.MaxUploads), fmt.Sprintf("At most %d files.", tickets.MaxUploads)},
		"val.upload_size":  {fmt.Sprintf("Berkas melebihi %d MB.", tickets.MaxUploadSize>>20), fmt.Sprintf("The file is larger than %d MB.", tickets.MaxUploadSize>>20)},
		"val.upload_total": {fmt.Sprintf("Ukuran seluruh lampiran melebihi %d MB.", tickets.MaxUploadTotal>>20), fmt.Sprintf("All attachments together are larger than %d MB.", tickets.MaxUploadTotal>>20)},
		"val.upload_type":  {"Jenis berkas ini tidak diterima. Kirim dokumen atau gambar.", "This type of file is not accepted. Please send a document or an image."},
		"val.search_long": {fmt.Sprintf("Kata pencarian terlalu panjang (paling banyak %d karakter, %d kata).", tickets.MaxSearchLength, tickets.MaxSearchTerms),
			fmt.Sprintf("The search is too long (at most %d characters, %d words).", tickets.MaxSearchLength, tickets.MaxSearchTerms)},
		"val.search_chars": {"Kata pencarian berisi karakter yang tidak dapat dicari.", "The search contains characters that cannot be searched for."},
		"err.bad_text":     {"Isian %q berisi karakter yang tidak dapat disimpan (misalnya karakter NUL). Periksa teks yang Anda tempel, lalu kirim lagi.", "The field %q contains characters that cannot be stored (such as NUL). Check the text you pasted and send it again."},
	} {
		messages[k] = v
	}
}

// Queue and search (issue 12): the worklist's columns, sort, tab counts,
// saved views, bulk changes and the search across every tab.
func init() {
	for k, v := range map[string][2]string{
		"col.due":              {"Batas waktu", "Due"},
		"col.assignee":         {"Ditugaskan kepada", "Assigned to"},
		"col.last":             {"Pesan terakhir", "Last message"},
		"queue.sorted_asc":     {"diurutkan naik", "sorted ascending"},
		"queue.sorted_desc":    {"diurutkan turun", "sorted descending"},
		"queue.in_tab":         {"Hanya di tab %s", "Only in the %s tab"},
		"queue.all_statuses":   {"Semua status", "All statuses"},
		"queue.searching":      {"Hasil pencarian “%s” di semua status dan petugas. Pilih tab untuk menyaringnya.", "Results for “%s” across every status and assignee. Choose a tab to narrow them."},
		"queue.searching_tab":  {"Hasil pencarian “%s” di tab %s.", "Results for “%s” in the %s tab."},
		"queue.waiting":        {"Perlu dijawab", "Waiting for us"},
		"queue.from_citizen":   {"Pelapor", "Citizen"},
		"queue.from_agent":     {"Petugas", "Agent"},
		"queue.minutes":        {"%d mnt", "%d min"},
		"queue.hours":          {"%d j", "%d h"},
		"queue.days":           {"%d hr", "%d d"},
		"queue.due_in":         {"%s lagi", "in %s"},
		"queue.late_by":        {"terlambat %s", "%s overdue"},
		"queue.views":          {"Tampilan tersimpan", "Saved views"},
		"queue.save_view":      {"Simpan tampilan ini", "Save this view"},
		"queue.view_name":      {"Nama tampilan", "View name"},
		"queue.save":           {"Simpan", "Save"},
		"queue.delete_view":    {"Hapus tampilan “%s”", "Delete the view “%s”"},
		"queue.bulk_legend":    {"Ubah tiket yang dipilih", "Change the selected tickets"},
		"queue.bulk_all":       {"Pilih semua di halaman ini", "Select all on this page"},
		"queue.bulk_select":    {"Pilih", "Select"},
		"queue.bulk_one":       {"Pilih tiket #%s", "Select ticket #%s"},
		"queue.bulk_assign":    {"Tugaskan kepada", "Assign to"},
		"queue.bulk_keep":      {"— Tidak diubah —", "— Leave as is —"},
		"queue.bulk_release":   {"Lepaskan penugasan", "Release the assignment"},
		"queue.bulk_status":    {"Status", "Status"},
		"queue.bulk_priority":  {"Prioritas", "Priority"},
		"queue.bulk_transfer":  {"Transfer ke bagian", "Transfer to"},
		"queue.bulk_reason":    {"Alasan transfer", "Reason for the transfer"},
		"queue.bulk_apply":     {"Terapkan ke yang dipilih", "Apply to the selected"},
		"queue.bulk_done":      {"%d tiket diubah.", "%d tickets changed."},
		"queue.bulk_partly":    {"%d tiket diubah, %d tidak:", "%d changed, %d not:"},
		"queue.bulk_more":      {"dan %d lainnya.", "and %d more."},
		"queue.bulk_not_found": {"Tiket tidak ditemukan atau bukan bagian Anda.", "No such ticket, or not one of your departments'."},
		"flash.view_saved":     {"Tampilan tersimpan.", "View saved."},
		"flash.view_deleted":   {"Tampilan dihapus.", "View deleted."},
		"val.bulk_none":        {"Pilih minimal satu tiket.", "Select at least one ticket."},
		"val.bulk_many":        {fmt.Sprintf("Paling banyak %d tiket sekaligus.", tickets.MaxBulk), fmt.Sprintf("At most %d tickets at once.", tickets.MaxBulk)},
		"val.bulk_nochange":    {"Pilih perubahan yang akan diterapkan.", "Choose a change to apply."},
		"val.view_name":        {fmt.Sprintf("Beri nama tampilan, paling banyak %d karakter.", tickets.MaxViewName), fmt.Sprintf("Give the view a name of at most %d characters.", tickets.MaxViewName)},
		"val.view_limit":       {fmt.Sprintf("Paling banyak %d tampilan tersimpan; hapus satu dulu.", tickets.MaxViews), fmt.Sprintf("At most %d saved views; delete one first.", tickets.MaxViews)},
		"val.sort":             {"Kolom ini tidak dapat diurutkan.", "This column cannot be sorted by."},
	} {
		messages[k] = v
	}
	for msg, key := range map[string]string{
		tickets.MsgBulkNone:     "val.bulk_none",
		tickets.MsgBulkTooMany:  "val.bulk_many",
		tickets.MsgBulkNoChange: "val.bulk_nochange",
		tickets.MsgViewName:     "val.view_name",
		tickets.MsgViewLimit:    "val.view_limit",
		tickets.MsgSortInvalid:  "val.sort",
	} {
		validationMessages[msg] = key
	}
}

// translate looks key up in lang ("id" unless "en"); args fill the verbs.
// A missing key shows itself, so a gap is visible rather than blank.
func translate(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m[0]
	if lang == "en" {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// translateValidation turns one field's domain message into the page's
// language: known messages by table, a few by their shape, else a
// generic line (Indonesian) or the message itself (English).
func translateValidation(lang, field, msg string) string {
	if k, ok := validationMessages[msg]; ok {
		return translate(lang, k)
	}
	switch {
	case field == "subject" && strings.HasPrefix(msg, "at most"):
		return translate(lang, "val.subject_long")
	case strings.HasPrefix(msg, "the ticket is already in"):
		return translate(lang, "val.already_in")
	case strings.Contains(msg, "cannot work tickets of"):
		return translate(lang, "val.cannot_work")
	case strings.HasPrefix(msg, "no department named"):
		return translate(lang, "val.department")
	}
	if lang == "en" {
		r, n := utf8.DecodeRuneInString(msg)
		return string(unicode.ToUpper(r)) + msg[n:] + "."
	}
	return translate(lang, "val.field")
}
