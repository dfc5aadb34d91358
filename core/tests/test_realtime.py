"""Sending to channel-layer groups from synchronous code (core.realtime): one trip to an
event loop per event, every group tried, nothing raised."""

from __future__ import annotations

import asyncio
import threading
from unittest import mock

from asgiref.sync import sync_to_async
from django.test import SimpleTestCase

from core.realtime import group_send_safely, groups_send_safely

EVENT = {"type": "attendance_update", "lecture": 1}


def layer_with(send) -> mock.Mock:
    return mock.Mock(group_send=mock.AsyncMock(side_effect=send))


class GroupSendTests(SimpleTestCase):
    def test_each_group_is_sent_to_and_a_failing_one_does_not_stop_the_next(self):
        layer = layer_with([OSError("redis down"), None])
        with (
            mock.patch("core.realtime.get_channel_layer", return_value=layer),
            self.assertLogs("core.realtime", level="WARNING") as logs,
        ):
            sent = groups_send_safely(["first", "second"], EVENT)
        self.assertEqual(sent, 1)
        self.assertEqual(
            [c.args for c in layer.group_send.call_args_list], [("first", EVENT), ("second", EVENT)]
        )
        self.assertEqual(len(logs.records), 1)
        self.assertIn("first", logs.output[0])

    def test_one_group_reports_whether_the_layer_took_it(self):
        with mock.patch("core.realtime.get_channel_layer", return_value=layer_with([None])):
            self.assertTrue(group_send_safely("g", EVENT))
        with (
            mock.patch("core.realtime.get_channel_layer", return_value=layer_with(OSError())),
            self.assertLogs("core.realtime", level="WARNING"),
        ):
            self.assertFalse(group_send_safely("g", EVENT))

    def test_no_layer_sends_nothing(self):
        with mock.patch("core.realtime.get_channel_layer", return_value=None):
            self.assertEqual(groups_send_safely(["g"], EVENT), 0)

    def test_from_plain_code_the_sends_run_here_and_leave_this_threads_loop_alone(self):
        seen = {}

        async def send(group, event):
            seen["thread"] = threading.current_thread()

        def plain_thread():
            own = asyncio.new_event_loop()
            asyncio.set_event_loop(own)
            try:
                with mock.patch("core.realtime.get_channel_layer", return_value=layer_with(send)):
                    seen["sent"] = groups_send_safely(["a", "b"], EVENT)
                seen["loop_kept"] = asyncio.get_event_loop() is own
            finally:
                asyncio.set_event_loop(None)
                own.close()

        thread = threading.Thread(target=plain_thread)
        thread.start()
        thread.join()
        self.assertEqual(seen, {"thread": thread, "sent": 2, "loop_kept": True})


class GroupSendFromAsyncTests(SimpleTestCase):
    async def test_inside_sync_to_async_the_sends_run_on_the_waiting_loop(self):
        loops = []

        async def send(group, event):
            loops.append(asyncio.get_running_loop())

        with mock.patch("core.realtime.get_channel_layer", return_value=layer_with(send)):
            sent = await sync_to_async(groups_send_safely)(["a", "b"], EVENT)
        self.assertEqual(sent, 2)
        self.assertEqual(loops, [asyncio.get_running_loop()] * 2)
