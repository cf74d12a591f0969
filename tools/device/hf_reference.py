"""Reference outputs of tiny random LLaMA-family checkpoints, computed by Hugging Face transformers
(and peft, and tokenizers) in float64, for batchlm's Java tests. Run once on a machine with PyTorch,
transformers and peft (no network needed):  OUT=dir python3 tools/device/hf_reference.py
It writes checkpoints (config.json + safetensors) and JSON files of expected logits and token ids.
"""
import json, os, platform, sys
import torch, transformers
from transformers import (LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM,
                          Qwen2Config, Qwen2ForCausalLM, PreTrainedTokenizerFast)

OUT = os.path.join(os.environ["OUT"], "hf-reference")
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(20261127)
versions = {"python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__}
try:
    import peft; versions["peft"] = peft.__version__
except Exception as e:  # noqa
    peft = None; versions["peft"] = "missing: %s" % e
try:
    import tokenizers; versions["tokenizers"] = tokenizers.__version__
except Exception as e:  # noqa
    tokenizers = None

COMMON = dict(vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
              num_attention_heads=4, max_position_embeddings=128, rms_norm_eps=1e-5)
MODELS = {
    # name: (model class, config class, extra config, stored dtype, max shard size)
    "llama-gqa-llama3": (LlamaForCausalLM, LlamaConfig, dict(
        num_key_value_heads=2, tie_word_embeddings=False, rope_theta=500000.0,
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                      "high_freq_factor": 4.0, "original_max_position_embeddings": 32},
        bos_token_id=1, eos_token_id=2), torch.float32, "40KB"),
    "qwen2-tied-bf16": (Qwen2ForCausalLM, Qwen2Config, dict(
        num_key_value_heads=1, tie_word_embeddings=True, rope_theta=1000000.0,
        bos_token_id=1, eos_token_id=2), torch.bfloat16, None),
    "mistral-f16": (MistralForCausalLM, MistralConfig, dict(
        num_key_value_heads=2, tie_word_embeddings=False, sliding_window=None, head_dim=12,
        bos_token_id=1, eos_token_id=2), torch.float16, None),
}
PROMPTS = [[1, 17, 5, 42, 9, 33, 60, 8, 21], [1, 50, 3, 3, 27]]


def randomize(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
            else:
                p.copy_(0.2 * torch.randn_like(p))


def logits_of(model, ids):
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0]


def greedy(model, ids, steps=12):
    seq, margins = list(ids), []
    for _ in range(steps):
        last = logits_of(model, seq)[-1]
        top = torch.topk(last, 2).values
        margins.append(float(top[0] - top[1]))
        seq.append(int(torch.argmax(last)))
    return seq[len(ids):], min(margins)


def load64(cls, path):
    return cls.from_pretrained(path, torch_dtype=torch.float64, attn_implementation="eager").eval()


def reference(model, name):
    cases = []
    for ids in PROMPTS:
        tokens, margin = greedy(model, ids)
        cases.append({"input_ids": ids, "logits": logits_of(model, ids).tolist(),
                      "greedy": tokens, "greedy_min_margin": margin})
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"model": name, "versions": versions, "cases": cases}, f)


for name, (cls, cfg_cls, extra, dtype, shard) in MODELS.items():
    cfg = cfg_cls(**COMMON, **extra)
    m = cls(cfg).eval()
    randomize(m)
    path = os.path.join(OUT, name)
    kw = {"max_shard_size": shard} if shard else {}
    m.to(dtype).save_pretrained(path, safe_serialization=True, **kw)
    reference(load64(cls, path), name)
    print(name, sorted(os.listdir(path)), flush=True)

# A LoRA adapter (PEFT layout) on the llama checkpoint, with non-zero B so it changes the outputs.
if peft is not None:
    from peft import LoraConfig, PeftModel, get_peft_model
    base = os.path.join(OUT, "llama-gqa-llama3")
    m = LlamaForCausalLM.from_pretrained(base, torch_dtype=torch.float32)
    lcfg = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, init_lora_weights=False, bias="none",
                      task_type="CAUSAL_LM",
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj",
                                      "gate_proj", "up_proj", "down_proj"])
    pm = get_peft_model(m, lcfg)
    with torch.no_grad():
        for n, p in pm.named_parameters():
            if "lora_" in n:
                p.copy_(0.2 * torch.randn_like(p))
    adapter = os.path.join(OUT, "llama-gqa-llama3-lora")
    pm.save_pretrained(adapter, safe_serialization=True)
    pm64 = PeftModel.from_pretrained(load64(LlamaForCausalLM, base), adapter).double().eval()
    reference(pm64, "llama-gqa-llama3-lora")
    print("lora", sorted(os.listdir(adapter)), flush=True)

# A byte-level BPE tokenizer and two chat templates rendered and tokenized by transformers.
if tokenizers is not None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    texts = ["The nightly job embeds every document and answers questions from the context.",
             "Résumé: caching never pays twice; rate limits hold; costs are counted in USD.",
             "What is the refund policy? Refunds are issued within 14 days.",
             "def f(x):\n    return x * 2  # tabs\tand spaces"] * 20
    CHATML = ("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
              "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
              "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
              "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
    LLAMA3 = ("{{ bos_token }}{% for message in messages %}"
              "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}"
              "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}")
    CONVERSATIONS = [
        [{"role": "user", "content": "What is the refund policy?"}],
        [{"role": "system", "content": "Answer from the context only."},
         {"role": "user", "content": "Context: Refunds are issued within 14 days.\nQuestion: When?"},
         {"role": "assistant", "content": "Within 14 days."},
         {"role": "user", "content": "  And résumé costs?  "}],
    ]
    for name, specials, template, bos, eos in [
            ("tokenizer-chatml", ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], CHATML, None, "<|im_end|>"),
            ("tokenizer-llama3", ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"],
             LLAMA3, "<|begin_of_text|>", "<|eot_id|>")]:
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        tok.train_from_iterator(texts, trainers.BpeTrainer(
            vocab_size=300, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
        fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=bos, eos_token=eos)
        fast.chat_template = template
        path = os.path.join(OUT, name)
        fast.save_pretrained(path)
        cases = []
        for conv in CONVERSATIONS:
            for gen in (True, False):
                text = fast.apply_chat_template(conv, tokenize=False, add_generation_prompt=gen)
                ids = fast.apply_chat_template(conv, tokenize=True, add_generation_prompt=gen)
                if isinstance(ids, dict) or hasattr(ids, "keys"):
                    ids = ids["input_ids"]
                cases.append({"messages": conv, "add_generation_prompt": gen, "text": text,
                              "ids": list(ids), "decoded": fast.decode(ids)})
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump({"versions": versions, "cases": cases}, f, ensure_ascii=False)
        print(name, sorted(os.listdir(path)), flush=True)

print(json.dumps(versions))
for root, _, files in os.walk(OUT):
    for fn in files:
        p = os.path.join(root, fn)
        print(os.path.getsize(p), os.path.relpath(p, OUT))
