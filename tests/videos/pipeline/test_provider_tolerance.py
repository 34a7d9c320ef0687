"""The pipeline with real servers' differences (the simulator's profiles, served over real HTTP): other status words
and endless ids, a provider that cannot delete, a create whose outcome is unknown, a provider that is down, and a
member cancelling a job. Nothing is lost, nothing is charged for what was not made, nothing else is held up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.actors import Actor
from providers.models import Provider, ProviderModel
from quotas.models import QuotaCharge
from tests.conftest import start, wait_for
from tests.sora.sim_profiles import profile_base_url
from videos import services, tasks
from videos.models import Video
from videos.sora.simulator import faults
from videos.sora.simulator.models import SimVideo

pytestmark = pytest.mark.django_db(transaction=True)
Status = Video.Status


@pytest.fixture
def quiet(queue, monkeypatch):
    """The recorded queue (tests/conftest.py), and the key the profile providers below name."""
    monkeypatch.setenv("PROVIDER_SIM_KEY", "sk-provider-under-test")
    return queue


def provider_for(studio, sim: str, *, slug: str | None = None, model: str = "sora-2", **fields) -> Provider:
    """A remote provider pointing at one simulator profile (as a deployment would point at that kind of server)."""
    provider = Provider.objects.create(
        slug=slug or sim, name=f"{sim} server", base_url=profile_base_url(studio.url, sim),
        api_key_env="PROVIDER_SIM_KEY", **fields,
    )  # fmt: skip
    ProviderModel.objects.create(provider=provider, name=model, prices={"1280x720": "0.10"}, seconds=["4", "8"])
    return provider


def submit(alice, project, provider: Provider, prompt="A lighthouse in a storm, wide shot", model="sora-2"):
    return services.video_submit(actor=Actor.of_user(alice), project=project, prompt=prompt,
                                 model=f"{provider.slug}:{model}", size="1280x720", seconds=4)  # fmt: skip


def follow(video) -> Video:
    def done():
        services.video_poll(video_id=video.id)
        row = Video.objects.get(id=video.id)
        return row if row.status not in Video.RENDERING else None

    row = wait_for(done, timeout=60, interval=0.1, what="the upstream job to end")
    if row.status == Status.ARCHIVING:
        services.video_archive(video_id=row.id)
        row.refresh_from_db()
    return row


def charge_state(video) -> str:
    return QuotaCharge.objects.get(item_type="videos.video", item_id=video.id).state


# ---------------------------------------------------------------------------------------------------------------
# Status words and ids
# ---------------------------------------------------------------------------------------------------------------
def test_other_status_words_are_understood(quiet, studio, alice, project, settings):
    settings.SIM_RENDER_SECONDS = 0.6
    provider = provider_for(studio, "statuswords")
    video = submit(alice, project, provider)
    start(video)
    seen = set()

    def done():
        row = services.video_poll(video_id=video.id)
        seen.add(SimVideo.objects.get(upstream_id=row.upstream_id).status)
        return row if row.status not in Video.RENDERING else None

    row = wait_for(done, timeout=60, interval=0.05, what="completion")
    assert row.status == Status.ARCHIVING  # "done" read as completed
    services.video_archive(video_id=row.id)
    assert Video.objects.get(id=row.id).status == Status.COMPLETED


@pytest.mark.parametrize(("code", "word"), [("cancelled", "cancelled"), ("expired", "expired")])
def test_a_job_the_provider_cancelled_or_let_expire_fails_with_a_clear_reason(quiet, studio, alice, project, code,
                                                                            word):  # fmt: skip
    provider = provider_for(studio, "statuswords")
    faults.inject("fail_job", code=code)
    video = submit(alice, project, provider)
    start(video)

    row = follow(video)

    assert row.status == Status.FAILED and row.error_code == code
    assert row.error_message and charge_state(row) == "refunded"


def test_ids_of_over_a_thousand_characters_are_kept_whole(quiet, studio, alice, project):
    provider = provider_for(studio, "longids")
    parent = follow(Video.objects.get(id=start(submit(alice, project, provider)).id))
    assert parent.status == Status.COMPLETED and len(parent.upstream_id) > 1000
    child = services.video_remix(actor=Actor.of_user(alice), parent=parent, prompts=["Same shot, at night"])[0]
    start(child)
    child = follow(child)
    assert child.status == Status.COMPLETED and len(child.upstream_id) > 1000 and child.upstream_id != parent.upstream_id


# ---------------------------------------------------------------------------------------------------------------
# Delete where the provider cannot
# ---------------------------------------------------------------------------------------------------------------
def test_a_provider_that_cannot_delete_keeps_its_copy_and_the_studio_says_so(quiet, studio, alice, project, client):
    provider = provider_for(studio, "openai", slug="nodelete", profile={"routes": {"delete": False}})
    video = follow(Video.objects.get(id=start(submit(alice, project, provider)).id))
    client.force_login(alice)

    page = client.post(f"/videos/{video.public_id}/delete/", follow=True).content.decode()

    assert not Video.objects.filter(id=video.id).exists()
    assert "keeps its own copy" in page
    assert SimVideo.objects.filter(upstream_id=video.upstream_id).exists()  # nothing was sent to delete it


def test_a_405_on_delete_is_learned_and_the_video_still_goes(quiet, studio, alice, project):
    provider = provider_for(studio, "openai", slug="gateway")
    video = follow(Video.objects.get(id=start(submit(alice, project, provider)).id))
    faults.inject("status", status=405, method="DELETE", path=r"^videos/")

    note = services.video_delete(actor=Actor.of_user(alice), video=video)

    assert "keeps its own copy" in note and not Video.objects.filter(id=video.id).exists()
    provider.refresh_from_db()
    assert provider.profile["routes"]["delete"] is False and not provider.capabilities.supports("delete")


# ---------------------------------------------------------------------------------------------------------------
# A create whose outcome is unknown ends, never stuck
# ---------------------------------------------------------------------------------------------------------------
def test_an_unknown_outcome_on_a_provider_that_cannot_list_fails_at_once_with_a_refund(quiet, studio, alice,
                                                                                      project):  # fmt: skip
    provider = provider_for(studio, "openai", slug="nolist", profile={"routes": {"list": False}})
    faults.inject("status", status=500, method="POST", path=r"^videos$")
    video = submit(alice, project, provider)

    start(video)

    video.refresh_from_db()
    assert (video.status, video.error_code) == (Status.FAILED, "outcome_unknown")
    assert "nolist" not in video.error_message and provider.name in video.error_message
    assert charge_state(video) == "refunded"


def test_an_unknown_outcome_is_looked_for_for_a_bounded_time_then_failed(quiet, studio, alice, project, settings):
    settings.SORA_TIMEOUT_READ = 0.5
    settings.SORA_MAX_RETRIES = 0
    provider = provider_for(studio, "openai", slug="slowlist")
    faults.inject("delay", delay_seconds=1.5, method="POST", path=r"^videos$", times=1)
    faults.inject("status", status=503, method="GET", path=r"^videos$", times=50)  # its list keeps failing
    video = submit(alice, project, provider)

    start(video)
    video.refresh_from_db()
    assert video.status == Status.SUBMITTING and video.outcome_unknown_since is not None  # waits, looks again

    Video.objects.filter(id=video.id).update(
        lease_until=timezone.now() - timedelta(seconds=1),
        outcome_unknown_since=timezone.now() - timedelta(seconds=settings.SORA_UNKNOWN_OUTCOME_SECONDS + 1),
    )  # fmt: skip
    quiet.clear()
    tasks.reconcile()
    [(_, video_id)] = [c for c in quiet if c[0] == "start"]
    tasks.start_video(video_id, Video.objects.get(id=video_id).lease_token)

    video.refresh_from_db()
    assert (video.status, video.error_code) == (Status.FAILED, "outcome_unknown")
    assert provider.name in video.error_message and charge_state(video) == "refunded"


# ---------------------------------------------------------------------------------------------------------------
# A provider that is down
# ---------------------------------------------------------------------------------------------------------------
def test_a_provider_that_is_down_opens_its_circuit_and_the_others_go_on(quiet, studio, alice, project, settings,
                                                                         client):  # fmt: skip
    settings.PROVIDER_CIRCUIT_FAILURES = 2
    settings.SORA_MAX_RETRIES = 0
    down = Provider.objects.create(slug="down", name="Down server", base_url="http://127.0.0.1:9/v1",
                                   api_key_env="PROVIDER_SIM_KEY")  # fmt: skip
    ProviderModel.objects.create(provider=down, name="sora-2", prices={"1280x720": "0.10"}, seconds=["4"])
    stuck = [submit(alice, project, down, prompt=f"shot {i}") for i in range(3)]

    for video in stuck[:2]:  # two starts meet a refused connection: the circuit opens
        start(video)
    down.refresh_from_db()
    assert down.circuit_open(), "the circuit should be open after two failures in a row"
    assert services.jobs_claim_startable() == []  # its third video waits instead of being tried
    healthy = submit(alice, project, Provider.objects.get(slug="simulator"), prompt="on the healthy provider")
    assert [vid for vid, _ in services.jobs_claim_startable()] == [healthy.id]  # the others go on

    for video in stuck:
        video.refresh_from_db()
        assert video.status == Status.PENDING and video.upstream_id is None  # waiting, not failed
    client.force_login(alice)
    page = client.get(f"/videos/{stuck[2].public_id}/").content.decode()
    assert "Down server" in page and "not answering" in page  # the reason is visible


# ---------------------------------------------------------------------------------------------------------------
# Cancel
# ---------------------------------------------------------------------------------------------------------------
def test_cancelling_a_waiting_video_gives_its_reservation_back(quiet, studio, alice, project):
    video = submit(alice, project, Provider.objects.get(slug="simulator"))

    note = services.video_cancel(actor=Actor.of_user(alice), video=video)

    video.refresh_from_db()
    assert (video.status, note, charge_state(video)) == (Status.CANCELLED, "", "refunded")
    assert services.jobs_claim_startable() == []  # never started
    assert services.video_cancel(actor=Actor.of_user(alice), video=Video.objects.get(id=video.id)) == ""  # twice: same
    assert Video.objects.get(id=video.id).status == Status.CANCELLED
    services.video_delete(actor=Actor.of_user(alice), video=video)  # a cancelled video can be deleted
    assert not Video.objects.filter(id=video.id).exists()


@pytest.mark.parametrize(("profile", "stops"), [("vllm-omni", True), ("openai", False)])
def test_cancelling_a_rendering_video_asks_the_provider_to_stop_where_it_can(quiet, studio, alice, project, settings,
                                                                             profile, stops):  # fmt: skip
    settings.SIM_RENDER_SECONDS = 6  # long enough to cancel it while it renders, short enough to end by teardown
    model = settings.SIM_VLLM_OMNI_MODEL if profile == "vllm-omni" else "sora-2"
    measured = {"routes": {"create_json": False}} if profile == "vllm-omni" else {}  # as its probe found
    provider = provider_for(studio, profile, model=model, profile=measured)
    video = submit(alice, project, provider, model=model)
    start(video)
    video.refresh_from_db()
    assert video.status in Video.RENDERING

    note = services.video_cancel(actor=Actor.of_user(alice), video=video)

    video.refresh_from_db()
    assert video.status == Status.CANCELLED and charge_state(video) == "refunded"
    job = SimVideo.objects.filter(upstream_id=video.upstream_id).first()
    if stops:
        assert "asked to stop" in note and (job is None or job.status in ("cancelled", "failed"))
    else:
        assert "cannot stop" in note and job is not None
    services.video_poll(video_id=video.id)  # a late poll changes nothing
    assert Video.objects.get(id=video.id).status == Status.CANCELLED


def test_no_remix_is_offered_where_the_provider_cannot_remix(quiet, studio, alice, project, client, make_video):
    provider = provider_for(studio, "openai", slug="noremix", profile={"routes": {"remix": False, "edits": False}})
    video = make_video(project, alice, provider=provider, upstream_id="video_r1")
    client.force_login(alice)

    page = client.get(f"/videos/{video.public_id}/").content.decode()
    refused = client.post(f"/videos/{video.public_id}/remix/", {"prompt": "at night", "variations": 1}, follow=True)

    assert "cannot remix videos" in page and 'class="remix-form"' not in page
    assert "cannot remix videos" in refused.content.decode() and Video.objects.count() == 1


def test_edit_replaces_remix_where_the_provider_has_edits(quiet, studio, alice, project, client, make_video):
    """Remix stays only where it is the only way to change a video (issue #14)."""
    only_remix = provider_for(studio, "openai", slug="onlyremix", profile={"routes": {"remix": True, "edits": False}})
    both = provider_for(studio, "openai", slug="both", profile={"routes": {"remix": True, "edits": True}})
    client.force_login(alice)

    for provider, remix_offered in ((only_remix, True), (both, False)):
        video = make_video(project, alice, provider=provider, upstream_id=f"video_{provider.slug}")
        page = client.get(f"/videos/{video.public_id}/").content.decode()
        assert ('class="remix-form"' in page) is remix_offered, provider.slug
        assert ('class="edit-form"' in page) is not remix_offered, provider.slug
        # The 24 h window is counted down on whichever card offers the change.
        assert ("Remix possible for" in page) is remix_offered and ("Changes possible for" in page) is not remix_offered


# ---------------------------------------------------------------------------------------------------------------
# Pictures the provider has not: made by the studio
# ---------------------------------------------------------------------------------------------------------------
def test_a_provider_that_ignores_variant_gets_pictures_made_by_the_studio(quiet, studio, alice, project, client):
    """SGLang (like LiteLLM and vLLM-Omni) answers every variant with the MP4: the studio notices by the bytes,
    keeps no MP4 posing as a picture, and makes the WebP thumbnail and JPEG spritesheet from the video itself."""
    from PIL import Image

    from assets.media import sniff

    provider = provider_for(studio, "sglang")
    first = follow(Video.objects.get(id=start(submit(alice, project, provider)).id))

    assert first.status == Status.COMPLETED
    pictures = {kind: first.asset_map[kind] for kind in ("thumbnail", "spritesheet")}
    for kind, fmt in (("thumbnail", "webp"), ("spritesheet", "jpeg")):
        asset = pictures[kind]
        with asset.file.open("rb") as fh:
            data = fh.read()
        assert asset.origin == "studio" and sniff(data[:16]) == fmt
        assert Image.open(asset.file.path).format == fmt.upper()
    assert Image.open(pictures["thumbnail"].file.path).size == (1280, 720)
    provider.refresh_from_db()
    assert provider.profile["variants"] == {"thumbnail": False, "spritesheet": False}  # learned, not asked again

    second = follow(Video.objects.get(id=start(submit(alice, project, provider, prompt="a second shot")).id))
    assert {a.kind: a.origin for a in second.asset_map.values()} == {
        "video": "provider", "thumbnail": "studio", "spritesheet": "studio"
    }  # fmt: skip
    client.force_login(alice)
    card = client.get(f"/projects/{project.public_id}/videos/").content.decode()
    assert f"/videos/{second.public_id}/files/spritesheet/" in card  # hover scrub works on the gallery card


# ---------------------------------------------------------------------------------------------------------------
# A provider's own in-flight limit: wait, never fail
# ---------------------------------------------------------------------------------------------------------------
def test_an_upstream_in_flight_limit_makes_videos_wait_and_never_fail(quiet, studio, alice, project, settings, caplog):
    """The upstream allows 1 job in flight and the studio 4: ten renders all finish, the provider's cap is lowered
    to what it could take, and creates refused with 429 stay few (a fault run on the old code saw 121 and three
    videos failed for good)."""
    settings.SIM_MAX_IN_FLIGHT = 1
    settings.SIM_RENDER_SECONDS = 0.3
    settings.SORA_MAX_RETRIES = 0
    provider = provider_for(studio, "openai", slug="onejob", max_in_flight=4)
    videos = [submit(alice, project, provider, prompt=f"shot {i}") for i in range(10)]
    lowered = set()

    def all_done():
        for video_id, token in services.jobs_claim_startable():
            services.video_start(video_id=video_id, token=token)
        for row in Video.objects.filter(status__in=Video.RENDERING):
            services.video_poll(video_id=row.id)
        for row in Video.objects.filter(status=Status.ARCHIVING):
            services.video_archive(video_id=row.id)
        provider.refresh_from_db()
        if provider.throttled_cap is not None:
            lowered.add(provider.throttled_cap)
        return not Video.objects.exclude(status__in=Video.ENDED).exists()

    wait_for(all_done, timeout=120, interval=0.05, what="all ten videos to end")

    assert sorted(Video.objects.values_list("status", flat=True)) == [Status.COMPLETED] * 10
    assert lowered == {1}
    refused = [r for r in caplog.records if "POST /videos -> 429" in r.getMessage()]
    assert len(refused) <= 5, len(refused)
    assert all(charge_state(v) == "settled" for v in videos)
