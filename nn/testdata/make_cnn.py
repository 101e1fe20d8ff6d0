"""Reference data for a small CNN through nn's layers, from Debian's PyTorch 1.13:

    cd nn/testdata && /usr/bin/python3 make_cnn.py

The module: conv Conv2d(1, 4, 3, padding=1) → bn BatchNorm2d(4) → ReLU →
MaxPool2d(2) → flatten → fc Linear(64, 3), on x of shape (2, 1, 8, 8).
It writes cnn_small_state.safetensors (the state dict before any forward pass,
every parameter and the running statistics drawn at random, so loading the
buffers is tested) and cnn_small_io.safetensors: the input x; in training mode
(batch statistics) the output out, the gradient grad_x of Σ out⊙r and the
running statistics after that pass (running_mean, running_var); then in
eval mode (running statistics) out_eval and grad_x_eval of Σ out_eval⊙r.
Float64, fixed seed.
"""
import torch

from attention_rnn_common import randomize, save_file

torch.set_default_dtype(torch.float64)
torch.manual_seed(40)


class CNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(4)
        self.fc = torch.nn.Linear(64, 3)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(torch.relu(self.bn(self.conv(x))), 2)
        return self.fc(x.flatten(1))


m = CNN()
randomize(m)
with torch.no_grad():
    m.bn.running_mean.uniform_(-0.5, 0.5)
    m.bn.running_var.uniform_(0.5, 1.5)
save_file(m.state_dict(), "cnn_small_state.safetensors")

io = {}
x = torch.rand(2, 1, 8, 8, requires_grad=True)
r = torch.rand(2, 3) - 0.5
m.train()
out = m(x)
(out * r).sum().backward()
io.update(x=x.detach().clone(), r=r, out=out, grad_x=x.grad.clone(),
          running_mean=m.bn.running_mean.clone(), running_var=m.bn.running_var.clone())
x.grad = None
m.eval()
out_eval = m(x)
(out_eval * r).sum().backward()
io.update(out_eval=out_eval, grad_x_eval=x.grad.clone())
save_file(io, "cnn_small_io.safetensors")
