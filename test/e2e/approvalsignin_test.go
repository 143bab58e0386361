package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// waitPage waits until the browser's page holds want, and returns it.
func (r *passkeyRig) waitPage(t *testing.T, want string) string {
	t.Helper()
	var page string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if page = r.page(t); strings.Contains(page, want) {
			return page
		}
	}
	t.Fatalf("the page never said %q:\n%s", want, page)
	return ""
}

func (r *passkeyRig) click(t *testing.T, sel string) {
	t.Helper()
	if err := chromedp.Do(r.step(), chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("click %s: %v\n%s", sel, err, r.page(t))
	}
}

// othersApproval is a pending approval of another user, "other".
func (g *gw) othersApproval(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	other, err := g.App.AddUser(ctx, "other", false)
	if err != nil {
		t.Fatal(err)
	}
	_, k, err := g.App.CreateKey(ctx, other, "theirs", nil)
	if err != nil {
		t.Fatal(err)
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := "ap_" + hex.EncodeToString(b[:])
	now := time.Now()
	if err := g.App.Store.User(other.ID).CreateApproval(ctx, store.Approval{
		ID: id, UserID: other.ID, KeyID: k.ID, Tool: "github_create_issue", Rule: "approve:github_create_issue",
		ArgsHash: strings.Repeat("0", 64), Arguments: "{}", DEKVersion: 1, Status: store.ApprovalPending,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// signInFromApprovalPage follows the approval page's "Sign in with a
// passkey" link, signs in with the virtual authenticator, and expects the
// browser back on the approval page.
func (r *passkeyRig) signInFromApprovalPage(t *testing.T, id string) {
	t.Helper()
	page := r.page(t)
	if want := `href="/oauth/passkey/signin?return=%2fapprovals%2f` + id + `"`; !strings.Contains(strings.ToLower(page), strings.ToLower(want)) ||
		strings.Contains(page, `value="allow"`) {
		t.Fatalf("the signed-out approval page lacks the sign-in link %s, or shows the form:\n%s", want, page)
	}
	r.click(t, "a#signin")
	if got := r.statusAfter(t, "button#signin"); got != "navigated to /approvals/"+id {
		t.Fatalf("sign-in from the approval page: %q, want back on /approvals/%s", got, id)
	}
}

// The approval link a notification carries works in a browser with a
// passkey: signed out, the page offers passkey sign-in, which comes back
// to it; signed in, the person sees their own approvals only and allows
// the call, which the retry then runs, audited with the approver. A
// sign-in return target elsewhere is ignored, and a revoked browser
// session can no longer decide.
func TestApprovalLinkWithAPasskeyInChromium(t *testing.T) {
	const whSecret = "whsec_approval_passkey_e2e_81f3"
	hookURL, hooks := webhookReceiver(t, whSecret)
	r := newPasskeyRig(t, "MCPGATE_APPROVALS_WAIT=1s",
		"MCPGATE_APPROVALS_WEBHOOK_URL="+hookURL, "MCPGATE_APPROVALS_WEBHOOK_SECRET_FILE="+secretFile(t, whSecret))
	g, issuer := r.g, r.issuer
	ctx := context.Background()

	r.open(t, r.newLink(t))
	if got := r.statusAfter(t, "#enrol"); !strings.Contains(got, "Your passkey is registered") {
		t.Fatalf("enrolment: the page says %q", got)
	}
	if err := g.App.SetPolicy(ctx, g.Owner, g.KeyName, []byte("version: 1\napprove: [github_create_issue]\n")); err != nil {
		t.Fatal(err)
	}
	s := g.session(t)
	before := g.GH.Requests()

	id := pending(t, call(t, s, "github_create_issue", approvalIssue))
	h := receive(t, "webhook", hooks)
	if h.ID != id || h.URL != issuer+"/approvals/"+id {
		t.Fatalf("webhook names %s at %s, want %s at %s/approvals/%s", h.ID, h.URL, id, issuer, id)
	}
	if list := r.cli(t, "approve", "list"); !strings.Contains(list, id) {
		t.Errorf("approve list lacks %s:\n%s", id, list)
	}

	// The notification's link, in a browser that is not signed in.
	r.open(t, h.URL)
	r.signInFromApprovalPage(t, id)
	page := r.waitPage(t, `value="allow"`)
	if !strings.Contains(page, "github_create_issue") || strings.Contains(page, "the secret plan") {
		t.Fatalf("the signed-in approval page:\n%s", page)
	}

	t.Run("another user's approval is not found", func(t *testing.T) {
		theirs := g.othersApproval(t)
		r.open(t, issuer+"/approvals/"+theirs)
		if page := r.waitPage(t, "There is no such approval of yours."); strings.Contains(page, `value="allow"`) {
			t.Errorf("another user's approval offered its form:\n%s", page)
		}
	})

	// Allow on the page; the retry with the same arguments runs, once.
	r.open(t, h.URL)
	r.click(t, `button[value="allow"]`)
	r.waitPage(t, "Decided: approved.")
	if res := call(t, s, "github_create_issue", approvalIssue); res.IsError || g.GH.Requests() != before+1 {
		t.Fatalf("the retry after allowing: isError=%v %q, GitHub requests %d, want %d", res.IsError, text(res), g.GH.Requests(), before+1)
	}
	recs := g.audits(t, guard.Approved)
	if len(recs) != 1 || recs[0].Rule != "approve:github_create_issue approval:"+id+" by:owner" || recs[0].Outcome != "ok" {
		t.Fatalf("approved audit records = %+v", recs)
	}

	t.Run("a sign-in return target elsewhere is ignored", func(t *testing.T) {
		for _, ret := range []string{"//evil.example/approvals/" + id, "http://evil.example/approvals/" + id, "/oauth/session/../../approvals/" + id} {
			r.open(t, issuer+"/oauth/passkey/signin?return="+url.QueryEscape(ret))
			if got := r.statusAfter(t, "button#signin"); got != "navigated to /oauth/session" {
				t.Errorf("sign-in with return %q: %q, want the session page", ret, got)
			}
		}
	})

	t.Run("a revoked browser session can no longer decide", func(t *testing.T) {
		id2 := pending(t, call(t, s, "github_create_issue", approvalIssue))
		r.open(t, issuer+"/approvals/"+id2)
		r.waitPage(t, `value="allow"`)
		if out := r.cli(t, "user", "session", "revoke", "--all"); !strings.Contains(out, "revoked") {
			t.Fatalf("revoke --all: %s", out)
		}
		r.click(t, `button[value="allow"]`)
		r.waitPage(t, "Sign in to mcpgate in this browser to decide here.")
		a, err := g.App.Store.User(g.Owner.ID).Approval(ctx, id2)
		if err != nil || a.Status != store.ApprovalPending {
			t.Fatalf("after an allow from a revoked session the approval is %q (%v), want pending", a.Status, err)
		}
		// Signing in again from that page decides it.
		r.signInFromApprovalPage(t, id2)
		r.click(t, `button[value="deny"]`)
		r.waitPage(t, "Decided: denied.")
		if a, err := g.App.Store.User(g.Owner.ID).Approval(ctx, id2); err != nil || a.Status != store.ApprovalDenied || a.DecidedBy != "owner" {
			t.Errorf("after signing in again and denying: %+v %v", a, err)
		}
	})
}
