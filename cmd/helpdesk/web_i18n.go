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
	"transfer.intro":      {"Tiket ini sekarang di bagian %s. Pilih bagian tujuan dan tuliskan alasannya untuk riwayat tiket.", "This ticket is now in %s. Choose the department to send it to and say why, for the ticket's history."},
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

// Reports (issue 12): the report page, its charts and CSV files, the
// lead flag on /admin/agents, and the refusals of a report's period.
func init() {
	for msg, key := range map[string]string{
		tickets.MsgReportDate:     "val.report_date",
		tickets.MsgReportOrder:    "val.report_order",
		tickets.MsgReportTooLong:  "val.report_long",
		tickets.MsgReportNoDepart: "val.report_department",
	} {
		validationMessages[msg] = key
	}
	for k, v := range map[string][2]string{
		"nav.reports":            {"Laporan", "Reports"},
		"report.title":           {"Laporan", "Reports"},
		"report.heading":         {"Laporan Kinerja Helpdesk", "Helpdesk Performance Report"},
		"report.from":            {"Dari tanggal", "From"},
		"report.to":              {"Sampai tanggal", "To"},
		"report.department":      {"Bagian", "Department"},
		"report.all_departments": {"Semua bagian", "All departments"},
		"report.all_led":         {"Semua bagian yang Anda pimpin", "All the departments you lead"},
		"report.show":            {"Tampilkan", "Show"},
		"report.period":          {"Periode %s – %s (%s).", "Period %s – %s (%s)."},
		"report.as_of":           {"Angka per %s.", "Figures as of %s."},
		"report.scope":           {"Bagian: %s.", "Departments: %s."},
		"report.leads":           {"Ketua bagian (melihat laporan)", "Lead of (sees reports)"},

		"report.summary":        {"Ringkasan", "Summary"},
		"report.opened":         {"Tiket masuk", "Tickets opened"},
		"report.resolved":       {"Tiket diselesaikan", "Tickets resolved"},
		"report.reopened":       {"%s di antaranya dibuka kembali", "%s of them reopened"},
		"report.first_response": {"Waktu respons pertama", "First response time"},
		"report.resolution":     {"Waktu penyelesaian", "Resolution time"},
		"report.median":         {"median", "median"},
		"report.p90_is":         {"90%% dalam %s", "90%% within %s"},
		"report.answered_of":    {"%s tiket dijawab, %s belum", "answered: %s, not yet: %s"},
		"report.sla":            {"Dijawab dalam SLA", "Answered within the SLA"},
		"report.sla_detail":     {"%s dari %s tepat waktu; %s belum jatuh tempo", "%s of %s on time; %s not yet due"},
		"report.backlog":        {"Tunggakan terlambat", "Overdue backlog"},
		"report.backlog_end":    {"dari %s tiket terbuka pada %s", "of %s open at %s"},
		"report.backlog_now":    {"Sekarang: %s terlambat dari %s terbuka", "Now: %s overdue of %s open"},

		"report.per_day":            {"Per hari", "Per day"},
		"report.per_topic":          {"Per topik bantuan", "Per help topic"},
		"report.per_department":     {"Per bagian", "Per department"},
		"report.legend_opened":      {"Masuk", "Opened"},
		"report.legend_resolved":    {"Diselesaikan", "Resolved"},
		"report.chart_days_title":   {"Tiket masuk dan diselesaikan per hari, %s – %s", "Tickets opened and resolved per day, %s – %s"},
		"report.chart_days_desc":    {"Diagram batang, sepasang batang per hari: masuk dan diselesaikan. Jumlahnya %s masuk dan %s diselesaikan.", "Bar chart, a pair of bars a day: opened and resolved. In all %s opened and %s resolved."},
		"report.chart_days_most":    {"Paling banyak masuk pada %s: %s tiket.", "Most opened on %s: %s."},
		"report.chart_topics_title": {"Tiket masuk dan diselesaikan per topik bantuan, %s – %s", "Tickets opened and resolved per help topic, %s – %s"},
		"report.chart_topics_desc":  {"Diagram batang, %s topik, sepasang batang per topik: masuk dan diselesaikan.", "Bar chart of %s topics, a pair of bars each: opened and resolved."},
		"report.chart_topics_most":  {"Paling banyak: %s, %s tiket masuk.", "The most: %s, opened %s."},
		"report.table_days":         {"Tabel angka per hari", "The numbers per day as a table"},
		"report.total":              {"Jumlah", "Total"},
		"report.empty":              {"Tidak ada tiket pada periode ini.", "No tickets in this period."},
		"report.no_topic":           {"(tanpa topik)", "(no topic)"},

		"report.col_date":         {"Tanggal", "Date"},
		"report.col_topic":        {"Topik bantuan", "Help topic"},
		"report.col_department":   {"Bagian", "Department"},
		"report.col_opened":       {"Masuk", "Opened"},
		"report.col_resolved":     {"Diselesaikan", "Resolved"},
		"report.col_first_median": {"Respons pertama, median", "First response, median"},
		"report.col_first_p90":    {"Respons pertama, p90", "First response, p90"},
		"report.col_res_median":   {"Penyelesaian, median", "Resolution, median"},
		"report.col_res_p90":      {"Penyelesaian, p90", "Resolution, p90"},
		"report.col_sla":          {"Dalam SLA", "Within SLA"},
		"report.col_sla_met":      {"Tepat waktu", "On time"},
		"report.col_sla_missed":   {"Terlambat", "Missed"},
		"report.col_sla_pending":  {"Belum jatuh tempo", "Not yet due"},

		"report.csv_summary":      {"Unduh ringkasan (CSV)", "Download the summary (CSV)"},
		"report.csv_days":         {"Unduh angka per hari (CSV)", "Download the numbers per day (CSV)"},
		"report.csv_topics":       {"Unduh angka per topik (CSV)", "Download the numbers per topic (CSV)"},
		"report.csv_departments":  {"Unduh angka per bagian (CSV)", "Download the numbers per department (CSV)"},
		"report.csv_figure":       {"Ukuran", "Figure"},
		"report.csv_value":        {"Nilai", "Value"},
		"report.csv_zone":         {"Zona waktu", "Time zone"},
		"report.csv_as_of":        {"Angka per", "Figures as of"},
		"report.csv_reopened":     {"Dibuka kembali", "Reopened"},
		"report.csv_answered":     {"Dijawab", "Answered"},
		"report.csv_unanswered":   {"Belum dijawab", "Not answered yet"},
		"report.csv_first_median": {"Respons pertama, median (menit)", "First response, median (minutes)"},
		"report.csv_first_p90":    {"Respons pertama, p90 (menit)", "First response, p90 (minutes)"},
		"report.csv_res_median":   {"Penyelesaian, median (menit)", "Resolution, median (minutes)"},
		"report.csv_res_p90":      {"Penyelesaian, p90 (menit)", "Resolution, p90 (minutes)"},
		"report.csv_sla_share":    {"Dalam SLA (%)", "Within SLA (%)"},
		"report.csv_backlog_at":   {"Akhir periode", "Period end"},
		"report.csv_open_end":     {"Terbuka pada akhir periode", "Open at the period's end"},
		"report.csv_overdue_end":  {"Terlambat pada akhir periode", "Overdue at the period's end"},
		"report.csv_open_now":     {"Terbuka sekarang", "Open now"},
		"report.csv_overdue_now":  {"Terlambat sekarang", "Overdue now"},
		"report.file":             {"laporan", "report"},
		"report.file_summary":     {"ringkasan", "summary"},
		"report.file_days":        {"per-hari", "per-day"},
		"report.file_topics":      {"per-topik", "per-topic"},
		"report.file_departments": {"per-bagian", "per-department"},

		"report.dur_lt1": {"kurang dari 1 menit", "under a minute"},
		"report.dur_m":   {"%d menit", "%d min"},
		"report.dur_h":   {"%d jam", "%d h"},
		"report.dur_hm":  {"%d jam %d menit", "%d h %d min"},
		"report.dur_d":   {"%d hari", "%d d"},
		"report.dur_dh":  {"%d hari %d jam", "%d d %d h"},

		"report.how": {"Cara menghitung", "How the figures are counted"},
		"report.def_opened": {"Tiket masuk: tiket yang dibuat dalam periode, menurut hari di zona waktu Anda.",
			"Opened: the tickets created in the period, by the days of your time zone."},
		"report.def_first": {"Respons pertama: tanggapan petugas pertama yang dapat dilihat pelapor (catatan internal tidak dihitung), sejak tiket dibuat, untuk tiket yang masuk dalam periode.",
			"First response: the first agent response the citizen can see (internal notes do not count), from the ticket's creation, for the tickets opened in the period."},
		"report.def_sla": {"Dalam SLA: respons pertama datang paling lambat sebanyak jam rencana SLA tiket (2 × 24 jam kecuali rencananya lain) sejak tiket dibuat. Tiket yang belum dijawab terhitung terlambat setelah batas waktunya lewat; sebelum itu belum jatuh tempo dan tidak ikut dihitung.",
			"Within the SLA: the first response came at most the ticket's SLA plan hours (2 × 24 hours unless its plan says otherwise) after its creation. A ticket not answered yet counts as missed once its deadline has passed; until then it is not yet due and left out of the share."},
		"report.def_resolved": {"Diselesaikan: tiket yang pertama kali menjadi Terselesaikan atau Ditutup dalam periode; waktu penyelesaian dihitung dari saat tiket dibuat sampai saat itu. Tiket yang dibuka kembali tetap dihitung sekali, pada penyelesaian pertamanya, dan dicatat juga sebagai dibuka kembali.",
			"Resolved: the tickets first set to Resolved or Closed in the period; resolution time runs from the ticket's creation to that moment. A reopened ticket still counts once, at its first resolution, and is counted as reopened as well."},
		"report.def_backlog": {"Tunggakan: tiket yang terbuka pada akhir periode dan saat ini; terlambat bila batas waktunya (saat dibuat atau terakhir dibuka kembali, ditambah jam SLA) sudah lewat.",
			"Backlog: the tickets open at the end of the period and now; overdue when their due date (creation or last reopening, plus the SLA hours) has passed."},
		"report.def_percentile": {"Median dan persentil ke-90 (p90) diinterpolasi linear di antara dua nilai terdekat, seperti MEDIAN dan PERCENTILE.INC di lembar kerja: 90% tiket selesai dalam waktu p90 atau kurang.",
			"The median and the 90th percentile (p90) are interpolated linearly between the two nearest values, as a spreadsheet's MEDIAN and PERCENTILE.INC do: 90% of tickets took p90 or less."},
		"report.def_place": {"Tiket dihitung pada bagian dan topik bantuannya saat ini: tiket yang ditransfer masuk ke bagian yang menanganinya sekarang.",
			"A ticket counts under its department and help topic as they are now: a transferred ticket is reported by the department that has it."},

		"val.report_date":       {"Tanggal harus berformat TTTT-BB-HH.", "Must be a date, YYYY-MM-DD."},
		"val.report_order":      {"Tanggal akhir tidak boleh sebelum tanggal awal.", "The end must not be before the start."},
		"val.report_long":       {fmt.Sprintf("Satu laporan paling panjang %d hari.", tickets.MaxReportDays), fmt.Sprintf("A report covers at most %d days.", tickets.MaxReportDays)},
		"val.report_department": {"Bagian tidak ditemukan.", "No such department."},
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

// Portal and errors (issue 12): error pages, form error summaries, the
// status check, time zones and the small things of the portal.
func init() {
	for k, v := range map[string][2]string{
		"err.title_400":    {"Permintaan tidak dapat diproses", "The request could not be processed"},
		"err.title_401":    {"Silakan masuk", "Please sign in"},
		"err.title_403":    {"Akses ditolak", "Access denied"},
		"err.title_404":    {"Halaman tidak ditemukan", "Page not found"},
		"err.title_405":    {"Alamat ini tidak dibuka dengan cara itu", "This address does not open that way"},
		"err.title_413":    {"Kiriman terlalu besar", "The upload is too large"},
		"err.title_429":    {"Terlalu banyak percobaan", "Too many attempts"},
		"err.title_500":    {"Terjadi kesalahan", "Something went wrong"},
		"err.method":       {"Alamat ini hanya menerima kiriman formulir. Buka halaman formulirnya, lalu kirim dari sana.", "This address only takes a form. Open the page with the form and send it from there."},
		"err.code":         {"Kode galat: %d", "Error code: %d"},
		"err.queue":        {"Kembali ke antrean tiket", "Back to the ticket queue"},
		"err.signin":       {"Masuk ke akun Anda", "Sign in to your account"},
		"err.check_status": {"Cek status tiket dengan email dan nomor tiket", "Check a ticket's status with your email and its number"},

		"flash.account_active":   {"Akun Anda sudah aktif. Silakan masuk.", "Your account is active. Please sign in."},
		"landing.open_p_user":    {"Isi formulir pengaduan dan lampirkan dokumen pendukung.", "Fill in the form and attach supporting documents."},
		"landing.mine_h":         {"Tiket Saya", "My Tickets"},
		"landing.mine_p":         {"Masuk untuk melihat semua pengaduan yang pernah Anda kirim, lewat web maupun email.", "Sign in to follow every complaint you sent, by web or by email."},
		"landing.mine_p_user":    {"Lihat semua pengaduan yang pernah Anda kirim, lewat web maupun email.", "Follow every complaint you sent, by web or by email."},
		"status.intro":           {"Tanpa akun: masukkan alamat email dan nomor tiket Anda. Kami akan mengirim tautan untuk melihat dan membalas tiket tersebut ke alamat email itu.", "No account needed: enter your email address and your ticket number. We will mail a link to see and answer that ticket to that address."},
		"status.number":          {"Nomor tiket", "Ticket number"},
		"status.number_hint":     {"Enam atau tujuh angka, misalnya 881358; ada di subjek email dari kami.", "Six or seven digits, e.g. 881358; it is in the subject of our mails."},
		"status.submit":          {"Kirim tautan ke email saya", "Mail me the link"},
		"status.sent":            {"Jika tiket ini milik alamat email tersebut, kami telah mengirim tautan untuk melihatnya ke alamat itu. Periksa kotak masuk (dan folder spam) Anda.", "If this ticket belongs to that address, we have mailed it a link to see it. Check your inbox (and the spam folder)."},
		"status.bad_number":      {"Nomor tiket terdiri dari enam atau tujuh angka, misalnya 881358.", "A ticket number has six or seven digits, e.g. 881358."},
		"form.summary":           {"Formulir belum terkirim. Perbaiki isian berikut:", "The form was not sent. Please correct the following:"},
		"files.refile":           {"Berkas berikut belum terkirim. Pilih lagi sebelum mengirim:", "These files were not sent. Choose them again before sending:"},
		"files.refile_short":     {"pilih lagi %d berkas yang belum terkirim", "choose the %d files that were not sent again"},
		"newticket.topics_about": {"Penjelasan setiap topik bantuan", "What each help topic covers"},
	} {
		messages[k] = v
	}
}

// topicDescriptionsEN translates the descriptions of the seeded help
// topics (migrations/0001_init.sql, from the manual) for the English
// pages; a description an admin wrote is shown as written.
var topicDescriptionsEN = map[string]string{
	"Semua masalah dan informasi yang ingin diperoleh dari aplikasi SIKS-NG baik versi online, offline, dan mobile.":             "Every problem with, and question about, the SIKS-NG application: online, offline and mobile.",
	"Semua masalah, keluhan dan informasi yang ingin diperoleh terkait dengan TUSI (tugas pokok dan fungsi) Kementerian Sosial.": "Every problem, complaint and question about the duties and functions (TUSI) of the Ministry of Social Affairs.",
	"Semua masalah, keluhan dan informasi terkait data terpadu bantuan sosial.":                                                  "Every problem, complaint and question about the integrated social assistance data (DTKS).",
	"Semua masalah, keluhan dan informasi seputar penggunaan email Kemsos, termasuk upgrade kuota, perubahan dan penghapusan.":   "Every problem, complaint and question about Kemsos email: larger quotas, changes and deletion.",
	"Semua masalah, keluhan dan informasi seputar optimalisasi internet dan jaringan di Kementerian Sosial.":                     "Every problem, complaint and question about the internet and the network at the Ministry of Social Affairs.",
}

// Ticket tools (issue 12): collaborators, topic, merge, callers, canned
// responses, signatures, collision safety, previews, mail problems.
func init() {
	for k, v := range map[string][2]string{
		"nav.caller": {"Tiket Penelepon", "Caller Ticket"},

		"aticket.source":          {"Sumber", "Source"},
		"aticket.no_email":        {"(tanpa email)", "(no email)"},
		"aticket.collaborators":   {"Kolaborator", "Collaborators"},
		"aticket.collab_none":     {"Belum ada kolaborator.", "No collaborators yet."},
		"aticket.collab_hint":     {"Kolaborator menerima setiap tanggapan dalam satu email bersama pelapor (sebagai tembusan/Cc) dan dapat membalasnya.", "Collaborators get every response in one mail with the requester (in Cc) and may reply to it."},
		"aticket.collab_email":    {"Alamat email kolaborator", "Collaborator's email address"},
		"aticket.collab_name":     {"Nama (boleh kosong)", "Name (optional)"},
		"aticket.collab_add":      {"Tambah kolaborator", "Add collaborator"},
		"aticket.collab_remove":   {"Hapus", "Remove"},
		"aticket.collab_remove_l": {"Hapus kolaborator %s", "Remove collaborator %s"},
		"aticket.topic_change":    {"Ubah topik", "Change topic"},
		"aticket.merge_h":         {"Gabungkan tiket", "Merge tickets"},
		"aticket.merge_hint":      {"Untuk tiket yang membahas hal yang sama: percakapan, lampiran dan kolaborator tiket ini pindah ke tiket tujuan, dan nomor tiket ini mengarah ke sana.", "For tickets about the same matter: this ticket's thread, attachments and collaborators move to the other one, and this number leads there."},
		"aticket.merge_into":      {"Nomor tiket tujuan", "Merge into ticket number"},
		"aticket.merge_submit":    {"Gabungkan…", "Merge…"},
		"aticket.merge_confirm_h": {"Gabungkan #%s ke #%s?", "Merge #%s into #%s?"},
		"aticket.merge_confirm_p": {"Semua pesan, lampiran dan kolaborator #%s pindah ke #%s (%s). Pelapor #%s menjadi kolaborator #%s, dapat melihat seluruh percakapannya, dan diberi tahu lewat email. Penggabungan tidak dapat dibatalkan.", "Every message, attachment and collaborator of #%s moves to #%s (%s). The requester of #%s becomes a collaborator of #%s, sees its whole thread, and is told by mail. A merge cannot be undone."},
		"aticket.merge_confirm":   {"Ya, gabungkan", "Yes, merge"},
		"aticket.refers_h":        {"Tiket ini merujuk ke #%s", "This ticket refers to #%s"},
		"aticket.refers_p":        {"Pengirimnya menulis tentang tiket #%s (%s), tetapi bukan peserta tiket itu, sehingga suratnya menjadi tiket tersendiri.", "Its sender wrote about ticket #%s (%s) but takes no part in it, so the mail became a ticket of its own."},
		"aticket.refers_merge":    {"Gabungkan ke #%s", "Merge into #%s"},
		"aticket.refers_add":      {"Tambahkan pengirim ke #%s sebagai kolaborator", "Add the sender to #%s as a collaborator"},
		"aticket.stale_h":         {"Ada yang baru di tiket ini", "There is something new on this ticket"},
		"aticket.stale_respond":   {"Tanggapan Anda belum dikirim. Baca entri yang ditandai “Baru” di atas; bila tanggapan Anda tetap sesuai, tekan Kirim Tanggapan lagi.", "Your response has not been sent. Read the entries marked “New” above; if your response still fits, press Post Response again."},
		"aticket.stale_status":    {"Status belum diubah. Baca entri yang ditandai “Baru” di atas; bila tetap perlu, tekan Ubah status lagi.", "The status has not been changed. Read the entries marked “New” above; if it is still right, press Change status again."},
		"aticket.new":             {"Baru", "New"},
		"aticket.canned":          {"Jawaban siap pakai", "Canned response"},
		"aticket.canned_pick":     {"— Pilih untuk menyisipkan —", "— Choose one to insert —"},
		"aticket.canned_insert":   {"Sisipkan", "Insert"},
		"aticket.signature":       {"Akhiri dengan tanda tangan saya", "End with my signature"},
		"aticket.signature_none":  {"Anda belum punya tanda tangan; buat di Akun Saya.", "You have no signature yet; write one in My Account."},
		"aticket.live_h":          {"Petugas lain", "Other agents"},

		"presence.viewers":   {"Juga sedang membuka tiket ini: %s", "Also viewing this ticket: %s"},
		"presence.since":     {"Sejak halaman ini dibuka:", "Since you opened this page:"},
		"presence.wrote":     {"%s menulis pesan (%s)", "%s wrote a message (%s)"},
		"presence.responded": {"%s mengirim tanggapan (%s)", "%s posted a response (%s)"},
		"presence.noted":     {"%s menambah catatan internal (%s)", "%s added an internal note (%s)"},
		"presence.event":     {"%s (%s)", "%s (%s)"},
		"presence.reload":    {"Muat ulang halaman untuk membacanya.", "Reload the page to read it."},

		"source.phone":  {"telepon", "phone"},
		"source.walkin": {"datang langsung", "walk-in"},

		"ev.created_phone":        {"Tiket dibuat oleh %s dari panggilan telepon", "Ticket created by %s from a phone call"},
		"ev.created_walkin":       {"Tiket dibuat oleh %s untuk pelapor yang datang langsung", "Ticket created by %s for a walk-in visitor"},
		"ev.transferred_plain":    {"%s mentransfer tiket dari %s ke %s", "%s transferred the ticket from %s to %s"},
		"ev.transferred_noted":    {"%s mentransfer tiket dari %s ke %s (alasan di catatan internal berikut)", "%s transferred the ticket from %s to %s (reason in the internal note below)"},
		"ev.collaborator_added":   {"%s menambahkan %s sebagai kolaborator", "%s added %s as a collaborator"},
		"ev.collaborator_removed": {"%s menghapus kolaborator %s", "%s removed the collaborator %s"},
		"ev.topic":                {"%s mengubah topik dari %s menjadi %s", "%s changed the topic from %s to %s"},
		"ev.topic_set":            {"%s menetapkan topik %s", "%s set the topic to %s"},
		"ev.merged":               {"%s menggabungkan tiket #%s ke tiket ini", "%s merged ticket #%s into this one"},
		"ev.merged_into":          {"%s menggabungkan tiket ini ke #%s", "%s merged this ticket into #%s"},

		"transfer.tell":      {"Beri tahu pelapor alasannya (tampil di tiketnya dan dikirim lewat email)", "Tell the citizen the reason (shown on their ticket and mailed to them)"},
		"transfer.tell_hint": {"Tanpa centang, alasan disimpan sebagai catatan internal yang hanya terlihat oleh petugas.", "Unticked, the reason is kept as an internal note only agents see."},

		"caller.title":        {"Tiket untuk Penelepon", "Ticket for a Caller"},
		"caller.heading":      {"Buka tiket untuk penelepon atau tamu", "Open a ticket for a caller or visitor"},
		"caller.intro":        {"Untuk pengaduan yang diterima lewat telepon atau disampaikan langsung di loket. Sampaikan nomor tiketnya kepada pelapor.", "For complaints taken by phone or at the desk. Give the requester the ticket number."},
		"caller.via":          {"Diterima lewat", "Taken by"},
		"caller.via_phone":    {"Telepon", "Phone"},
		"caller.via_walkin":   {"Datang langsung", "Walk-in"},
		"caller.person":       {"Pelapor", "Requester"},
		"caller.name":         {"Nama pelapor", "Requester's name"},
		"caller.email":        {"Alamat email (boleh kosong)", "Email address (optional)"},
		"caller.email_hint":   {"Tanpa email, pelapor tidak menerima email apa pun: sampaikan nomor tiket secara langsung.", "Without an email address the requester gets no mail at all: give them the ticket number yourself."},
		"caller.phone":        {"Nomor telepon (boleh kosong)", "Phone number (optional)"},
		"caller.submit":       {"Buat Tiket", "Create Ticket"},
		"caller.message":      {"Isi pengaduan (sebagaimana disampaikan)", "The complaint (as told)"},
		"caller.subject":      {"Ringkasan masalah", "Issue Summary"},
		"caller.topic":        {"Topik bantuan", "Help Topic"},
		"caller.details":      {"Pengaduan", "Complaint"},
		"caller.req_legend":   {"Kolom bertanda * wajib diisi.", "Fields marked * are required."},
		"flash.caller_opened": {"Tiket #%s telah dibuat. Sampaikan nomornya kepada pelapor.", "Ticket #%s has been created. Give the requester its number."},

		"account.signature_h":     {"Tanda tangan", "Signature"},
		"account.signature_hint":  {"Ditambahkan di akhir tanggapan yang Anda kirim dari panel (bila dicentang), di bawah baris “-- ”. Tanggapan yang Anda tulis di program email memakai tanda tangan program itu.", "Added at the end of the responses you post from the panel (when ticked), below a “-- ” line. Responses you write in your mail program carry that program's signature."},
		"account.signature_save":  {"Simpan tanda tangan", "Save the signature"},
		"account.saved_signature": {"Tanda tangan Anda sudah disimpan.", "Your signature has been saved."},

		"admin.canned":            {"Jawaban Siap Pakai", "Canned Responses"},
		"admin.canned_title":      {"Judul", "Title"},
		"admin.canned_body":       {"Teks", "Text"},
		"admin.canned_all":        {"Semua bagian", "All departments"},
		"admin.canned_none":       {"Belum ada jawaban siap pakai.", "No canned responses yet."},
		"admin.add_canned":        {"Tambah jawaban siap pakai", "Add a canned response"},
		"admin.delete":            {"Hapus", "Delete"},
		"admin.placeholders":      {"Isian otomatis", "Placeholders"},
		"admin.placeholders_hint": {"Tulis salah satu kata berikut di dalam kurung kurawal, misalnya {nama}; kata itu diganti saat petugas menyisipkan jawaban ke tiket. Nama bahasa Inggris ({name}) juga berlaku.", "Write one of these words in braces, such as {nama}; it is filled in when an agent inserts the response into a ticket. The English names ({name}) work too."},
		"placeholder.nama":        {"nama pelapor", "the requester's name"},
		"placeholder.email":       {"alamat email pelapor", "the requester's email address"},
		"placeholder.nomor":       {"nomor tiket (angka saja)", "the ticket number (digits only)"},
		"placeholder.perihal":     {"perihal tiket", "the ticket's subject"},
		"placeholder.topik":       {"topik bantuan", "the help topic"},
		"placeholder.bagian":      {"bagian yang menangani", "the department"},
		"placeholder.batas_waktu": {"batas waktu, di zona waktu pelapor", "the due date, in the requester's time zone"},
		"placeholder.petugas":     {"nama petugas yang menyisipkan", "the inserting agent's name"},

		"att.preview":  {"Pratinjau gambar %s; klik untuk ukuran penuh", "Preview of the image %s; click for full size"},
		"att.view_pdf": {"Lihat PDF", "View PDF"},

		"flash.gone_to":              {"Tiket #%s dialihkan ke %s.", "Ticket #%s transferred to %s."},
		"flash.collaborator_added":   {"Kolaborator ditambahkan.", "Collaborator added."},
		"flash.collaborator_removed": {"Kolaborator dihapus.", "Collaborator removed."},
		"flash.topic":                {"Topik tiket diperbarui.", "Topic updated."},
		"flash.merged":               {"Tiket #%s digabungkan ke #%s.", "Ticket #%s merged into #%s."},
		"flash.sender_added":         {"%s kini kolaborator tiket #%s.", "%s is now a collaborator of ticket #%s."},

		"val.no_ticket":    {"Tidak ada tiket dengan nomor ini yang dapat Anda buka.", "There is no ticket with this number that you may open."},
		"val.merge_self":   {"Tiket tidak dapat digabungkan ke dirinya sendiri.", "A ticket cannot be merged into itself."},
		"val.canned":       {"Pilih jawaban siap pakai.", "Please choose a canned response."},
		"val.collab_owner": {"Alamat ini milik pelapor, yang sudah menerima setiap kabar.", "This is the requester's address; they get every update already."},
		"val.not_collab":   {"Alamat ini bukan kolaborator tiket ini.", "This address is not a collaborator of this ticket."},
		"val.too_many":     {fmt.Sprintf("Paling banyak %d kolaborator.", tickets.MaxCollaborators), fmt.Sprintf("At most %d collaborators.", tickets.MaxCollaborators)},
		"val.collab_both":  {"Alamat yang sama ditambah dan dihapus sekaligus.", "The same address is added and removed at once."},
		"val.via":          {"Pilih telepon atau datang langsung.", "Choose phone or walk-in."},
		"val.canned_title": {"Beri judul jawaban ini.", "Please give the response a title."},
		"val.canned_body":  {"Tulis teks jawaban ini.", "Please write the response's text."},

		// The kinds of mail the undelivered-mail box names.
		"mailkind.confirm_account":     {"Konfirmasi akun", "Account confirmation"},
		"mailkind.password_reset":      {"Pengaturan ulang kata sandi", "Password reset"},
		"mailkind.account_exists":      {"Pemberitahuan akun terdaftar", "Account already registered"},
		"mailkind.ticket_autoresponse": {"Tanda terima tiket", "Ticket receipt"},
		"mailkind.response_notice":     {"Tanggapan petugas", "Agent's response"},
		"mailkind.status_resolved":     {"Pemberitahuan tiket selesai", "Ticket resolved notice"},
		"mailkind.status_closed":       {"Pemberitahuan tiket ditutup", "Ticket closed notice"},
		"mailkind.ticket_reopened":     {"Pemberitahuan tiket dibuka kembali", "Ticket reopened notice"},
		"mailkind.ticket_merged":       {"Pemberitahuan penggabungan tiket", "Ticket merged notice"},
		"mailkind.status_link":         {"Tautan cek status tiket", "Ticket status link"},
		"mailkind.ticket_transferred":  {"Pemberitahuan pengalihan tiket", "Ticket transferred notice"},
		"mailkind.alert_new_ticket":    {"Peringatan tiket baru untuk petugas", "New-ticket alert to an agent"},
		"mailkind.alert_message":       {"Peringatan pesan baru untuk petugas", "New-message alert to an agent"},
		"mailkind.alert_transfer":      {"Peringatan pengalihan untuk petugas", "Transfer alert to an agent"},
		"mailkind.alert_assigned":      {"Peringatan penugasan untuk petugas", "Assignment alert to an agent"},
		"mailkind.alert_overdue":       {"Peringatan tiket terlambat untuk petugas", "Overdue alert to an agent"},
		"mailkind.alert_unverified":    {"Pemberitahuan email tidak terverifikasi", "Unverified mail notice"},
		"mailkind.alert_refused":       {"Pemberitahuan email tidak dicatat", "Mail not filed notice"},
		"mailkind.alert_commands":      {"Hasil perintah email", "Mail command results"},
		"mailkind.digest":              {"Ringkasan", "Digest"},
		"mailkind.other":               {"Email", "Mail"},

		// Why a mail did not go (outbound.ReasonCode).
		"mailreason.alert_burst":    {"%s peringatan untuk petugas ini dalam 10 menit; sisanya digabung dalam satu ringkasan.", "%s alerts to this agent in 10 minutes; the rest go in one digest."},
		"mailreason.alerts_waiting": {"Peringatan lain untuk petugas ini sedang menunggu ringkasan; yang ini ikut di dalamnya.", "Other alerts to this agent are waiting for their digest; this one goes with them."},
		"mailreason.autoresponses":  {"%s tanda terima ke alamat ini dalam satu jam; sisanya digabung dalam satu ringkasan.", "%s receipts to this address in the last hour; the rest go in one digest."},
		"mailreason.ticket_burst":   {"%s email tentang tiket ini ke alamat ini dalam 10 menit; sisanya digabung dalam satu ringkasan.", "%s mails about this ticket to this address in 10 minutes; the rest go in one digest."},
		"mailreason.hourly":         {"%s email ke alamat ini dalam satu jam; sisanya digabung dalam satu ringkasan.", "%s mails to this address in the last hour; the rest go in one digest."},
		"mailreason.bouncing":       {"Email ke alamat ini gagal terkirim pada %s; email otomatis ditahan sampai pemiliknya menulis lagi atau 14 hari berlalu.", "Mail to this address bounced on %s; automatic mail waits until its owner writes again or 14 days pass."},
		"mailreason.automatic":      {"Email yang masuk adalah email otomatis (%s), jadi tidak dibalas.", "The incoming mail was automatic (%s), so it is not answered."},
		"mailreason.empty_path":     {"Email yang masuk adalah pemberitahuan pengiriman (tanpa alamat balasan), jadi tidak dibalas.", "The incoming mail was a delivery notice (no return path), so it is not answered."},
		"mailreason.no_autoreply":   {"Pengirim meminta agar emailnya tidak dibalas otomatis.", "The sender asked not to be answered automatically."},
		"mailreason.no_sender":      {"Alamat pengirim tidak dapat dibaca.", "The sender's address could not be read."},
		"mailreason.repeated_text":  {"Teks yang sama datang %s kali dalam satu jam dari alamat ini (perulangan email), jadi tidak dibalas.", "The same text came %s times in an hour from this address (a mail loop), so it is not answered."},
		"mailreason.unfiled":        {"Email tidak dapat diproses dengan cara biasa.", "The mail could not be filed the usual way."},
		"mailreason.loop":           {"Penjaga perulangan email menahannya: %s", "The mail-loop guard held it back: %s"},
		"mailreason.server":         {"Jawaban server email: %s", "The mail server answered: %s"},
		"mailreason.unknown":        {"Keterangan: %s", "Details: %s"},
	} {
		messages[k] = v
	}
	for msg, key := range map[string]string{
		tickets.MsgCollaboratorIsOwner:   "val.collab_owner",
		tickets.MsgNotCollaborator:       "val.not_collab",
		tickets.MsgTooManyCollaborators:  "val.too_many",
		tickets.MsgCollaboratorAddRemove: "val.collab_both",
		tickets.MsgNoSuchTicket:          "val.no_ticket",
		tickets.MsgMergeSelf:             "val.merge_self",
		tickets.MsgViaCaller:             "val.via",
		tickets.MsgCannedTitle:           "val.canned_title",
		tickets.MsgCannedBody:            "val.canned_body",
	} {
		validationMessages[msg] = key
	}
}
